from connectors.sandbox.cli import main

main()
