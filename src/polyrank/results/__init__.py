"""Reading a metrics run's results — boards, a wallet's metrics, positions, trades and P&L
curve, where the skilled money stands (markets) — through packaged .sql files with bound
parameters. The front door (`polyrank`), the API and the CLI all read through here."""
