"""The demo gym's programs: levels in order, the skills of each level, class shapes and prices."""

from __future__ import annotations

from typing import NamedTuple


class ProgramSpec(NamedTuple):
    name: str
    class_name: str  # format for a class of this program; {level} is the level's name
    description: str
    min_age: int
    max_age: int
    minutes: int  # class length
    capacity: tuple[int, int]  # smallest and largest class size
    tuition_cents: int  # per month for level 1; each level adds LEVEL_STEP_CENTS
    demand: int  # relative share of the weekly schedule
    levels: tuple[tuple[str, tuple[str, ...]], ...]  # (level name, skills in order)


LEVEL_STEP_CENTS = 500

PROGRAMS: tuple[ProgramSpec, ...] = (
    ProgramSpec(
        "Preschool Gymnastics", "{level}", "Movement, balance and confidence for ages 3 to 5.",
        3, 5, 45, (6, 10), 7_900, 4,
        (
            ("Mini Movers", (
                "Bear walk", "Crab walk", "Log roll", "Bunny hops", "Straight jump",
                "Walk forward on low beam", "Hang for 5 seconds", "Stick the landing",
            )),
            ("Tiny Tumblers", (
                "Forward roll down wedge", "Egg roll", "Frog jumps", "Tuck jump",
                "Candlestick", "Side steps on low beam", "Front support on bar",
                "Straddle sit stretch", "Jump off box to a landing",
            )),
            ("Kinder Gym", (
                "Forward roll on flat mat", "Backward roll down wedge", "Bridge from floor",
                "Tiptoe walk on beam", "Pullover with help", "Star jump", "Tripod balance",
                "Donkey kick", "Hurdle step", "Teddy bear roll",
            )),
        ),
    ),
    ProgramSpec(
        "Recreational Gymnastics", "Rec Gym {level}", "Floor, bars, beam and vault for ages 5 to 12.",
        5, 12, 60, (8, 12), 9_500, 6,
        (
            ("Level 1", (
                "Forward roll", "Backward roll", "Cartwheel", "Bridge", "Straight jump",
                "Hollow hold 10 seconds", "Front support on bar", "Beam: walk forward",
                "Beam: relevé walk", "Vault: run and hurdle",
            )),
            ("Level 2", (
                "Handstand hold 2 seconds", "Round-off", "Straddle jump", "Pike jump",
                "Bridge kickover with spot", "Pullover with spot", "Cast",
                "Beam: arabesque", "Beam: pivot turn", "Vault: straight jump to mat stack",
                "Arch hold 20 seconds",
            )),
            ("Level 3", (
                "Handstand forward roll", "Back walkover with spot", "Front walkover with spot",
                "Split leap", "Pullover unassisted", "Back hip circle", "Cast to horizontal",
                "Beam: cartwheel on the line", "Beam: stretch jump dismount",
                "Vault: handstand flat back", "Full turn on one foot", "Rope climb halfway",
            )),
            ("Level 4", (
                "Round-off back handspring with spot", "Front handspring with spot",
                "Back extension roll", "Kip drill", "Front hip circle", "Underswing dismount",
                "Mill circle", "Beam: handstand", "Beam: split jump",
                "Vault: front handspring prep", "Straddle press prep", "Switch leap drill",
            )),
        ),
    ),
    ProgramSpec(
        "Ninja", "{level}", "Obstacle courses, climbing and parkour for ages 6 to 14.",
        6, 14, 60, (8, 12), 9_900, 4,
        (
            ("Ninja Cadets", (
                "Quad step", "Monkey bars", "Dead hang 20 seconds", "Balance beam run",
                "Cargo net climb", "Safety vault", "Shoulder roll", "Floating steps",
                "Precision jump",
            )),
            ("Ninja Warriors", (
                "Warped wall 8 ft", "Rope climb", "Ring traverse", "Lache swing",
                "Cliffhanger ledge traverse", "Slackline walk", "Lazy vault",
                "Wall run", "Pull-ups x3", "Tire swing transfer",
            )),
            ("Ninja Elite", (
                "Warped wall 12 ft", "Salmon ladder 2 rungs", "Peg board 3 moves",
                "Kong vault", "Cat leap", "Tic-tac", "Dive roll", "Devil steps",
                "Bar hop", "Spider wall", "Jumping spider",
            )),
        ),
    ),
    ProgramSpec(
        "Tumbling", "{level}", "Tumbling passes for cheer and gymnastics, ages 8 to 17.",
        8, 17, 60, (6, 10), 10_500, 3,
        (
            ("Tumbling 1", (
                "Round-off", "Back walkover", "Front walkover", "Cartwheel step-out",
                "Back handspring drill on barrel", "Handstand snap-down", "Aerial drill",
                "Back tuck on trampoline", "Hurdle into round-off",
            )),
            ("Tumbling 2", (
                "Back handspring", "Round-off back handspring", "Front handspring",
                "Standing back handspring", "Standing back tuck", "Front tuck",
                "Punch front", "Back handspring series x3", "Whip back drill",
                "Round-off back tuck",
            )),
            ("Power Tumbling", (
                "Whip back", "Back layout", "Round-off back handspring back tuck",
                "Layout step-out", "Front handspring front tuck",
                "Standing back handspring series", "Full twist drill", "Back full",
                "Arabian drill", "Round-off whip back handspring", "Double back drill",
                "Pass: round-off, back handspring, layout",
            )),
        ),
    ),
    ProgramSpec(
        "Swim", "Swim: {level}", "Learn-to-swim lessons in small groups, ages 3 to 17.",
        3, 17, 30, (4, 6), 8_900, 5,
        (
            ("Starfish", (
                "Blow bubbles", "Submerge face 3 seconds", "Front float with help",
                "Back float with help", "Kick on kickboard", "Jump in and return to wall",
                "Reach and pull arms", "Safe entry and exit",
            )),
            ("Seahorse", (
                "Front float unassisted", "Back float unassisted", "Glide 5 feet",
                "Roll from front to back", "Flutter kick 10 yards",
                "Front crawl arms with kickboard", "Side breathing drill",
                "Tread water 30 seconds", "Retrieve a ring from the shallow end",
                "Swim to the wall from 10 feet",
            )),
            ("Dolphin", (
                "Front crawl 15 yards", "Backstroke 15 yards", "Elementary backstroke",
                "Dive from sitting", "Breaststroke kick", "Tread water 1 minute",
                "Front crawl with side breathing", "Streamline push-off", "Sculling",
                "Survival float 2 minutes", "Open turn",
            )),
            ("Shark", (
                "Front crawl 25 yards", "Backstroke 25 yards", "Breaststroke 25 yards",
                "Standing dive", "Butterfly kick", "Butterfly 15 yards", "Flip turn",
                "Dolphin kick on back", "Front crawl 50 yards", "Backstroke flip turn",
                "Individual medley 50 yards", "Lap swim 100 yards",
            )),
        ),
    ),
)
