from polyrank.cli import main

main()
