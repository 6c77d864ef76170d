from negotiation_watch.cli import main

main()
