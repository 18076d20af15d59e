"""Fixed word lists for the demo gym. Everything the generator writes is picked from these."""

from __future__ import annotations

from typing import NamedTuple


def _listed(text: str) -> tuple[str, ...]:
    """Comma-separated names, wrapped freely over lines."""
    return tuple(" ".join(item.split()) for item in text.split(","))


def _lines(text: str, blanks: int = 0) -> tuple[str, ...]:
    """One entry per line (entries that contain commas), plus `blanks` empty entries."""
    return tuple(line.strip() for line in text.strip().splitlines()) + ("",) * blanks


class Place(NamedTuple):
    name: str
    code: str
    city: str
    region: str
    postal_code: str
    timezone: str
    area_code: str


# The first two are the locations of the small and large demo; all 50 make the franchise.
PLACES: tuple[Place, ...] = (
    Place("Northside", "NOR", "Chicago", "IL", "60640", "America/Chicago", "773"),
    Place("Riverside", "RIV", "Riverside", "IL", "60546", "America/Chicago", "708"),
    Place("Oak Park", "OAK", "Oak Park", "IL", "60302", "America/Chicago", "708"),
    Place("Naperville", "NAP", "Naperville", "IL", "60540", "America/Chicago", "630"),
    Place("Plano", "PLA", "Plano", "TX", "75024", "America/Chicago", "972"),
    Place("Round Rock", "RRK", "Round Rock", "TX", "78664", "America/Chicago", "512"),
    Place("Katy", "KTY", "Katy", "TX", "77494", "America/Chicago", "281"),
    Place("Overland Park", "OVP", "Overland Park", "KS", "66210", "America/Chicago", "913"),
    Place("Eden Prairie", "EDP", "Eden Prairie", "MN", "55344", "America/Chicago", "952"),
    Place("Franklin", "FRK", "Franklin", "TN", "37067", "America/Chicago", "615"),
    Place("Madison West", "MSN", "Madison", "WI", "53711", "America/Chicago", "608"),
    Place("Omaha West", "OMA", "Omaha", "NE", "68130", "America/Chicago", "402"),
    Place("Fargo", "FAR", "Fargo", "ND", "58103", "America/Chicago", "701"),
    Place("Brooklyn Heights", "BKH", "Brooklyn", "NY", "11201", "America/New_York", "718"),
    Place("Hoboken", "HOB", "Hoboken", "NJ", "07030", "America/New_York", "201"),
    Place("Cambridge", "CAM", "Cambridge", "MA", "02139", "America/New_York", "617"),
    Place("Stamford", "STM", "Stamford", "CT", "06901", "America/New_York", "203"),
    Place("Arlington", "ARL", "Arlington", "VA", "22201", "America/New_York", "703"),
    Place("Bethesda", "BET", "Bethesda", "MD", "20814", "America/New_York", "301"),
    Place("Cary", "CRY", "Cary", "NC", "27513", "America/New_York", "919"),
    Place("Alpharetta", "ALP", "Alpharetta", "GA", "30009", "America/New_York", "770"),
    Place("Winter Park", "WPK", "Winter Park", "FL", "32789", "America/New_York", "407"),
    Place("Westchase", "WCH", "Tampa", "FL", "33626", "America/New_York", "813"),
    Place("Dublin", "DUB", "Dublin", "OH", "43017", "America/New_York", "614"),
    Place("Squirrel Hill", "SQH", "Pittsburgh", "PA", "15217", "America/New_York", "412"),
    Place("Mount Pleasant", "MTP", "Mount Pleasant", "SC", "29464", "America/New_York", "843"),
    Place("Ann Arbor", "ANN", "Ann Arbor", "MI", "48103", "America/Detroit", "734"),
    Place("Carmel", "CML", "Carmel", "IN", "46032", "America/Indiana/Indianapolis", "317"),
    Place("St. Matthews", "STX", "Louisville", "KY", "40207", "America/Kentucky/Louisville", "502"),
    Place("Highlands", "HGH", "Denver", "CO", "80211", "America/Denver", "303"),
    Place("Boulder", "BOU", "Boulder", "CO", "80301", "America/Denver", "720"),
    Place("Sugar House", "SGH", "Salt Lake City", "UT", "84106", "America/Denver", "801"),
    Place("Albuquerque", "ABQ", "Albuquerque", "NM", "87111", "America/Denver", "505"),
    Place("Boise", "BOI", "Boise", "ID", "83702", "America/Boise", "208"),
    Place("Scottsdale", "SCO", "Scottsdale", "AZ", "85260", "America/Phoenix", "480"),
    Place("Chandler", "CHD", "Chandler", "AZ", "85226", "America/Phoenix", "602"),
    Place("Tucson Foothills", "TUC", "Tucson", "AZ", "85718", "America/Phoenix", "520"),
    Place("Summerlin", "SUM", "Las Vegas", "NV", "89135", "America/Los_Angeles", "702"),
    Place("Irvine", "IRV", "Irvine", "CA", "92618", "America/Los_Angeles", "949"),
    Place("Pasadena", "PAS", "Pasadena", "CA", "91101", "America/Los_Angeles", "626"),
    Place("North Park", "NPK", "San Diego", "CA", "92104", "America/Los_Angeles", "619"),
    Place("Willow Glen", "WGL", "San Jose", "CA", "95125", "America/Los_Angeles", "408"),
    Place("Walnut Creek", "WAL", "Walnut Creek", "CA", "94596", "America/Los_Angeles", "925"),
    Place("East Sacramento", "SAC", "Sacramento", "CA", "95819", "America/Los_Angeles", "916"),
    Place("Sellwood", "SEL", "Portland", "OR", "97202", "America/Los_Angeles", "503"),
    Place("Bellevue", "BEL", "Bellevue", "WA", "98004", "America/Los_Angeles", "425"),
    Place("Ballard", "BAL", "Seattle", "WA", "98107", "America/Los_Angeles", "206"),
    Place("South Hill", "SPK", "Spokane", "WA", "99203", "America/Los_Angeles", "509"),
    Place("Midtown Anchorage", "ANC", "Anchorage", "AK", "99508", "America/Anchorage", "907"),
    Place("Kaimuki", "KAI", "Honolulu", "HI", "96816", "Pacific/Honolulu", "808"),
)

STREETS = _listed("""
    Maple Ave, Oak St, Cedar Ln, Elm St, Pine St, Washington Blvd, Lincoln Ave, Park Ave,
    Sunset Blvd, Highland Ave, Prospect St, Church St, Willow Way, Birch Rd, Chestnut St, Walnut St,
    Hillcrest Dr, Ridge Rd, Meadow Ln, Forest Ave, River Rd, Spring St, Center St, Jefferson St,
    Madison Ave, Franklin St, Adams St, Jackson St, Monroe St, Grant Ave, Sheridan Rd, Clark St,
    Belmont Ave, Fullerton Ave, Division St, Addison St, Foster Ave, Lakeview Dr, Orchard Ln,
    Magnolia Ct, Juniper Dr, Aspen Way, Sycamore St, Harbor View Rd, Mill Creek Rd,
    Cherry Blossom Ln, Bayberry Ct, Hawthorne Ave, Greenwood Ave, Kingsley Dr, Wildflower Trl,
    Stonebridge Pkwy, Copper Canyon Rd, Quail Run, Heritage Oaks Dr, Timberline Dr, Bluebonnet Ln,
    Palmetto Ave
""")

GIRL_NAMES = _listed("""
    Olivia, Emma, Charlotte, Amelia, Sophia, Mia, Isabella, Ava, Evelyn, Luna, Harper, Camila,
    Scarlett, Elizabeth, Eleanor, Emily, Chloe, Mila, Violet, Penelope, Gianna, Aria, Abigail, Ella,
    Avery, Hazel, Nora, Layla, Lily, Aurora, Nova, Ellie, Madison, Grace, Isla, Willow, Zoe, Riley,
    Stella, Ximena, Valentina, Priya, Aaliyah, Fatima, Mei, Hana, Amara, Nia, Zainab, Leilani, Maya,
    Anaya, Inés, Chiara, Freya, Noor, Yara, Alondra, Jimena, Renata, Talia, Esther, Ruby, Ivy,
    Clara, Daisy, Josephine, Naomi, Sadie, Quinn, Zoë, Sienna, Adaeze, Keira, Saanvi
""")

BOY_NAMES = _listed("""
    Liam, Noah, Oliver, James, Elijah, Theodore, Henry, Lucas, William, Benjamin, Levi, Sebastian,
    Jack, Ezra, Michael, Daniel, Leo, Owen, Samuel, Hudson, Alexander, Asher, Luca, Ethan, John,
    David, Jackson, Joseph, Santiago, Kai, Isaiah, Aiden, Wyatt, Julian, Gabriel, Elias, Caleb,
    Jayden, Diego, Arjun, Rohan, Omar, Yusuf, Kenji, Malik, Jamal, Andre, Marcus, Tariq, Emeka,
    Kofi, Felix, Hugo, Milo, Jasper, Silas, Rowan, Adrian, Nico, Emilio, Rafael, Tomás, Dmitri,
    Anton, Finn, Declan, Rory, Moses, Amir, Vihaan, Minh, Tenzin, Ezekiel, Bodhi
""")

WOMEN_NAMES = _listed("""
    Jennifer, Jessica, Sarah, Ashley, Emily, Amanda, Stephanie, Nicole, Lauren, Megan, Rachel,
    Rebecca, Laura, Michelle, Kimberly, Elizabeth, Ana, Carmen, Rosa, Guadalupe, Adriana, Priya,
    Anjali, Deepa, Mei, Lin, Yuki, Aiko, Keisha, Tamika, Latoya, Aisha, Fatima, Amina, Olga,
    Natalia, Katarzyna, Siobhan, Claire, Heather, Danielle, Christina, Erin, Kristen, Alicia,
    Monica, Vanessa, Tiffany, Brittany, Courtney, Kelly, Andrea, Diana, Hannah, Leah, Miriam,
    Chioma, Thu, Renée, Marisol
""")

MEN_NAMES = _listed("""
    Michael, Christopher, Matthew, Joshua, David, James, Daniel, Robert, John, Joseph, Andrew, Ryan,
    Brandon, Jason, Justin, William, Jonathan, Brian, Kevin, Eric, Luis, José, Juan, Miguel,
    Alejandro, Raj, Vikram, Sanjay, Wei, Jun, Hiro, Darnell, Terrence, Marcus, Ahmed, Omar,
    Mohammed, Tomasz, Pavel, Sean, Patrick, Greg, Scott, Jeremy, Aaron, Adam, Nathan, Tyler, Kyle,
    Derek, Victor, Samuel, Benjamin, Ian, Obinna, Duc, Andrés, Malcolm, Trevor, Hassan
""")

# "Garcia" is left out on purpose: it is the demo family's name and must stay unique.
SURNAMES = _listed("""
    Smith, Johnson, Williams, Brown, Jones, Miller, Davis, Rodriguez, Martinez, Hernandez, Lopez,
    Gonzalez, Wilson, Anderson, Thomas, Taylor, Moore, Jackson, Martin, Lee, Perez, Thompson, White,
    Harris, Sanchez, Clark, Ramirez, Lewis, Robinson, Walker, Young, Allen, King, Wright, Scott,
    Torres, Nguyen, Hill, Flores, Green, Adams, Nelson, Baker, Hall, Rivera, Campbell, Mitchell,
    Carter, Roberts, Gomez, Phillips, Evans, Turner, Diaz, Parker, Cruz, Edwards, Collins, Reyes,
    Stewart, Morris, Morales, Murphy, Cook, Rogers, Gutierrez, Ortiz, Morgan, Cooper, Peterson,
    Bailey, Reed, Kelly, Howard, Ramos, Kim, Cox, Ward, Richardson, Watson, Brooks, Chavez, Wood,
    James, Bennett, Gray, Mendoza, Ruiz, Hughes, Price, Alvarez, Castillo, Sanders, Patel, Myers,
    Long, Ross, Foster, Jimenez, Powell, Jenkins, Perry, Russell, Sullivan, Bell, Coleman, Butler,
    Henderson, Barnes, Fisher, Vasquez, Simmons, Romero, Jordan, Patterson, Alexander, Hamilton,
    Graham, Reynolds, Griffin, Wallace, Moreno, West, Cole, Hayes, Bryant, Herrera, Gibson, Ellis,
    Tran, Medina, Aguilar, Stevens, Murray, Ford, Castro, Marshall, Owens, Harrison, Fernandez,
    McDonald, Woods, Washington, Kennedy, Wells, Vargas, Henry, Chen, Freeman, Webb, Tucker, Guzman,
    Burns, Crawford, Olson, Simpson, Porter, Hunter, Gordon, Mendez, Silva, Shaw, Snyder, Mason,
    Dixon, Muñoz, Hunt, Hicks, Holmes, Palmer, Wagner, Black, Robertson, Boyd, Rose, Stone, Salazar,
    Fox, Warren, Mills, Meyer, Rice, Schmidt, Garza, Daniels, Ferguson, Nichols, Stephens, Soto,
    Weaver, Ryan, Gardner, Payne, Grant, Dunn, Kowalski, Nowak, O'Brien, O'Connor, Okafor, Adeyemi,
    Mensah, Singh, Shah, Gupta, Iyer, Khan, Hussain, Ali, Yamamoto, Tanaka, Sato, Park, Choi, Wong,
    Liu, Zhang, Huang, Le, Pham, Haddad, Nasser, Cohen, Levy, Rossi, Russo, Ricci, Novak, Horvat,
    Jensen, Larsen, Lindqvist, Müller, Schneider, Dubois, Moreau, Petrov, Byrne, Van der Berg,
    St. Clair, Nakamura, Abdullah
""")

EMAIL_DOMAINS = ("example.com", "example.net", "example.org")

COACHES = _listed("""
    Coach Dana, Coach Marcus, Coach Priya, Coach Jordan, Coach Alexis, Coach Ben, Coach Carmen,
    Coach Eli, Coach Fiona, Coach Gabe, Coach Hailey, Coach Isaac, Coach Jasmine, Coach Kendra,
    Coach Luis, Coach Maddie, Coach Nate, Coach Olivia, Coach Pete, Coach Quinn, Coach Rosa,
    Coach Sam, Coach Tasha, Coach Uma, Coach Vince, Coach Whitney, Coach Xavier, Coach Yasmin,
    Coach Zack, Coach Brianna, Coach Danny, Coach Erin
""")

MEDICAL_NOTES = _lines("""
    Peanut allergy: EpiPen in backpack
    Tree nut allergy
    Asthma: inhaler in bag, may need breaks
    Bee sting allergy: EpiPen at front desk
    Type 1 diabetes: CGM on arm, snacks allowed
    Ear tubes: no deep-water submersion
    Wears glasses; sports strap provided
    Lactose intolerant
    Mild eczema: avoid long chlorine exposure
    Recovering from a wrist sprain: no weight on hands until cleared
    Hearing aid in left ear: remove before swimming
    Seizure history: staff informed, plan on file
    Gluten allergy (celiac)
    Shy with new coaches: give her a minute to warm up
""")

ABSENCE_REASONS = _lines(
    """
    Family trip
    Doctor's appointment
    School concert
    Feeling unwell
    Grandparents visiting
    Birthday party
    Out of town for the weekend
    Dentist
    School field trip
    Soccer tournament
    Holiday travel
""",
    blanks=2,
)

PARENT_NOTES = _lines(
    """
    Her school schedule changed this term.
    Could we try a later time?
    We are moving across town.
    He would like to try Ninja instead.
    Sorry for the short notice!
    Thank you!
""",
    blanks=3,
)

STAFF_NOTES_APPROVED = _lines(
    """
    Approved, see you in the new class!
    Processed at the front desk.
    All set. The change shows on your account.
""",
    blanks=1,
)

STAFF_NOTES_DENIED = _lines("""
    That class is full; we kept your current spot.
    Please call the front desk so we can find a better fit.
    Requests need 24 hours' notice.
""")

EVALUATION_NOTES = _lines(
    """
    Great focus today!
    Keep practicing at home.
    Needs a spot on the landing.
    Almost there, strong effort.
    Ready to move up soon.
""",
    blanks=7,
)

FAMILY_STAFF_NOTES = _lines("""
    Prefers texts over calls.
    Grandma usually does pickup on Thursdays.
    Asked about the summer camp waitlist.
    Autopay set up at the desk.
    Sibling discount discussed; see the ledger.
    Spanish speaker: Ms. Rosa can help.
""")
