"""WhatsApp Cloud API (pywa): signed webhook, reply buttons and lists, the 24-hour window."""
