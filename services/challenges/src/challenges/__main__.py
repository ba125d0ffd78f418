from meemaken_main import run

run("challenges")
