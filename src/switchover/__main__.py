from switchover.cli.app import main

main()
