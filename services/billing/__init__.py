"""A family's money: the append-only ledger and balances (`ledger`, `summary`), the payment
gateway (`payments`, Stripe), saved payment methods (`payment_methods`; adding one:
`payment_method_setup`), payment attempts (`payment_attempts`: begin and submit;
`payment_fulfilment`, `attempt_receipts`, `payment_reconciliation`, `payment_lookup`), Stripe
webhook events (`gateway_events`), the transaction history (`transactions_history`), the
documents as data (`statements`, `year_end`, `receipt_document`, with `document_header`) and
as files (`pdf_documents` on `pdf_page` and `pdf_fonts`; `csv_documents`); the monthly
tuition run (`tuition_rules`, `tuition_places`, `tuition_preview`, `tuition_posting`,
`tuition_adjustments`, `tuition_jobs`); autopay (`autopay`, `autopay_schedule`,
`autopay_notices`, `autopay_status`; the staff's `failed_payments` list); money at the desk
(`desk_entries`, `voids`, `refunds` with `refund_register` and `refund_checks`, checked by
`desk_rules`, shown by `desk_money_view`); the owner's money view (`money_report_scope`,
`receivables`, `money_by_month`).

May import: kernel, accounts, messages.
"""
