"""Simulations of the actual optimisation behind each lemma, and the figure generators (Figures 4 and 5)."""
