"""Segments: each portfolio's ordered rules naming groups of accounts, and each account's."""
