"""The demo gym's programs: levels in order, the skills of each level, class shapes and prices."""

from __future__ import annotations

from typing import NamedTuple

from data.demo.names import _lines


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
        name="Preschool Gymnastics",
        class_name="{level}",
        description="Movement, balance and confidence for ages 3 to 5.",
        min_age=3,
        max_age=5,
        minutes=45,
        capacity=(6, 10),
        tuition_cents=7900,
        demand=4,
        levels=(
            (
                "Mini Movers",
                _lines("""
                Bear walk
                Crab walk
                Log roll
                Bunny hops
                Straight jump
                Walk forward on low beam
                Hang for 5 seconds
                Stick the landing
                """),
            ),
            (
                "Tiny Tumblers",
                _lines("""
                Forward roll down wedge
                Egg roll
                Frog jumps
                Tuck jump
                Candlestick
                Side steps on low beam
                Front support on bar
                Straddle sit stretch
                Jump off box to a landing
                """),
            ),
            (
                "Kinder Gym",
                _lines("""
                Forward roll on flat mat
                Backward roll down wedge
                Bridge from floor
                Tiptoe walk on beam
                Pullover with help
                Star jump
                Tripod balance
                Donkey kick
                Hurdle step
                Teddy bear roll
                """),
            ),
        ),
    ),
    ProgramSpec(
        name="Recreational Gymnastics",
        class_name="Rec Gym {level}",
        description="Floor, bars, beam and vault for ages 5 to 12.",
        min_age=5,
        max_age=12,
        minutes=60,
        capacity=(8, 12),
        tuition_cents=9500,
        demand=6,
        levels=(
            (
                "Level 1",
                _lines("""
                Forward roll
                Backward roll
                Cartwheel
                Bridge
                Straight jump
                Hollow hold 10 seconds
                Front support on bar
                Beam: walk forward
                Beam: relevé walk
                Vault: run and hurdle
                """),
            ),
            (
                "Level 2",
                _lines("""
                Handstand hold 2 seconds
                Round-off
                Straddle jump
                Pike jump
                Bridge kickover with spot
                Pullover with spot
                Cast
                Beam: arabesque
                Beam: pivot turn
                Vault: straight jump to mat stack
                Arch hold 20 seconds
                """),
            ),
            (
                "Level 3",
                _lines("""
                Handstand forward roll
                Back walkover with spot
                Front walkover with spot
                Split leap
                Pullover unassisted
                Back hip circle
                Cast to horizontal
                Beam: cartwheel on the line
                Beam: stretch jump dismount
                Vault: handstand flat back
                Full turn on one foot
                Rope climb halfway
                """),
            ),
            (
                "Level 4",
                _lines("""
                Round-off back handspring with spot
                Front handspring with spot
                Back extension roll
                Kip drill
                Front hip circle
                Underswing dismount
                Mill circle
                Beam: handstand
                Beam: split jump
                Vault: front handspring prep
                Straddle press prep
                Switch leap drill
                """),
            ),
        ),
    ),
    ProgramSpec(
        name="Ninja",
        class_name="{level}",
        description="Obstacle courses, climbing and parkour for ages 6 to 14.",
        min_age=6,
        max_age=14,
        minutes=60,
        capacity=(8, 12),
        tuition_cents=9900,
        demand=4,
        levels=(
            (
                "Ninja Cadets",
                _lines("""
                Quad step
                Monkey bars
                Dead hang 20 seconds
                Balance beam run
                Cargo net climb
                Safety vault
                Shoulder roll
                Floating steps
                Precision jump
                """),
            ),
            (
                "Ninja Warriors",
                _lines("""
                Warped wall 8 ft
                Rope climb
                Ring traverse
                Lache swing
                Cliffhanger ledge traverse
                Slackline walk
                Lazy vault
                Wall run
                Pull-ups x3
                Tire swing transfer
                """),
            ),
            (
                "Ninja Elite",
                _lines("""
                Warped wall 12 ft
                Salmon ladder 2 rungs
                Peg board 3 moves
                Kong vault
                Cat leap
                Tic-tac
                Dive roll
                Devil steps
                Bar hop
                Spider wall
                Jumping spider
                """),
            ),
        ),
    ),
    ProgramSpec(
        name="Tumbling",
        class_name="{level}",
        description="Tumbling passes for cheer and gymnastics, ages 8 to 17.",
        min_age=8,
        max_age=17,
        minutes=60,
        capacity=(6, 10),
        tuition_cents=10_500,
        demand=3,
        levels=(
            (
                "Tumbling 1",
                _lines("""
                Round-off
                Back walkover
                Front walkover
                Cartwheel step-out
                Back handspring drill on barrel
                Handstand snap-down
                Aerial drill
                Back tuck on trampoline
                Hurdle into round-off
                """),
            ),
            (
                "Tumbling 2",
                _lines("""
                Back handspring
                Round-off back handspring
                Front handspring
                Standing back handspring
                Standing back tuck
                Front tuck
                Punch front
                Back handspring series x3
                Whip back drill
                Round-off back tuck
                """),
            ),
            (
                "Power Tumbling",
                _lines("""
                Whip back
                Back layout
                Round-off back handspring back tuck
                Layout step-out
                Front handspring front tuck
                Standing back handspring series
                Full twist drill
                Back full
                Arabian drill
                Round-off whip back handspring
                Double back drill
                Pass: round-off, back handspring, layout
                """),
            ),
        ),
    ),
    ProgramSpec(
        name="Swim",
        class_name="Swim: {level}",
        description="Learn-to-swim lessons in small groups, ages 3 to 17.",
        min_age=3,
        max_age=17,
        minutes=30,
        capacity=(4, 6),
        tuition_cents=8900,
        demand=5,
        levels=(
            (
                "Starfish",
                _lines("""
                Blow bubbles
                Submerge face 3 seconds
                Front float with help
                Back float with help
                Kick on kickboard
                Jump in and return to wall
                Reach and pull arms
                Safe entry and exit
                """),
            ),
            (
                "Seahorse",
                _lines("""
                Front float unassisted
                Back float unassisted
                Glide 5 feet
                Roll from front to back
                Flutter kick 10 yards
                Front crawl arms with kickboard
                Side breathing drill
                Tread water 30 seconds
                Retrieve a ring from the shallow end
                Swim to the wall from 10 feet
                """),
            ),
            (
                "Dolphin",
                _lines("""
                Front crawl 15 yards
                Backstroke 15 yards
                Elementary backstroke
                Dive from sitting
                Breaststroke kick
                Tread water 1 minute
                Front crawl with side breathing
                Streamline push-off
                Sculling
                Survival float 2 minutes
                Open turn
                """),
            ),
            (
                "Shark",
                _lines("""
                Front crawl 25 yards
                Backstroke 25 yards
                Breaststroke 25 yards
                Standing dive
                Butterfly kick
                Butterfly 15 yards
                Flip turn
                Dolphin kick on back
                Front crawl 50 yards
                Backstroke flip turn
                Individual medley 50 yards
                Lap swim 100 yards
                """),
            ),
        ),
    ),
)
