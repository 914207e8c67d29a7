from .engine_bench import main

main()
