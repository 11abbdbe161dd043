"""Champion/challenger: variants of a strategy step's template, stable per-account assignment
(at random, then by a Thompson-sampling bandit), results and promotion of a winner."""
