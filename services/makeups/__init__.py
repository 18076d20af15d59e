"""What happens around a missed class: future absences, makeup tokens and makeup visits
(booking and parent makeup requests), and punch passes.

Absences: reported by dates (`absences_by_dates`) or by class (`absences_by_class`), over the
meetings `absence_meetings` finds; `absence_marking` records them with the tokens
`absence_tokens` grants; `scheduled_absences` lists and cancels them; `absence_requests` is the
staff applier. Makeups: `tokens` (states, a student's tokens), `makeup_meetings` (finding and
checking meetings), `makeup_visits` (booking and cancelling with a token), `makeup_requests`
(asking staff when tokens are off, and the staff applier), `past_makeups`. Punch passes:
`passes`. Shared wording and the day check: `wording`; records in reach and meeting times:
`class_records`.

May import: kernel, accounts, messages, billing, families, classes.
"""
