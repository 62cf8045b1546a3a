"""`python -m polyrank.sim`: the simulator's command line."""

from polyrank.sim.cli import main

main()
