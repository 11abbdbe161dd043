"""Propensity to pay: a calibrated model per creditor, its versions, and each account's score."""
