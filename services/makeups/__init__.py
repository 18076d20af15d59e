"""What happens around a missed class: future absences, makeup tokens and makeup visits
(booking and parent makeup requests), and punch passes.

May import: kernel, accounts, messages, billing, families, classes.
"""
