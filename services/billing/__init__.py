"""A family's money: the append-only ledger and balances (`ledger`, `summary`), the payment
gateway (`payments`, Stripe), saved payment methods (`payment_methods`; adding one:
`payment_method_setup`), payment attempts (`payment_attempts`: begin and submit;
`payment_fulfilment`, `attempt_receipts`, `payment_reconciliation`, `payment_lookup`), Stripe
webhook events (`gateway_events`), the transaction history (`transactions_history`), the
documents as data (`statements`, `year_end`, `receipt_document`, with `document_header`) and
as files (`pdf_documents` on `pdf_page` and `pdf_fonts`; `csv_documents`), and money at the
desk (`desk_entries`, `voids`, `refunds` with `refund_register` and `refund_checks`, checked
by `desk_rules`, shown by `desk_money_view`).

May import: kernel, accounts, messages.
"""
