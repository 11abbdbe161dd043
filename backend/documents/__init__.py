"""Documents debtors ask for: plan schedules, receipts, paid-in-full certificates (PDF)."""
