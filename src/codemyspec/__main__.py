from codemyspec.cli import main

main()
