"""A family's money: the append-only ledger and balances, the payment gateway (Stripe), saved
payment methods, payment attempts and their reconciliation, Stripe webhook events, the
transaction history, statements and the PDF/CSV documents.

May import: kernel, accounts, messages.
"""
