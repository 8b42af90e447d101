from replygen.cli import main

main()
