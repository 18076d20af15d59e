"""The Billing page's parts: summary, saved methods, add a card, make a payment."""
