from meemaken_main import run

run("gateway")
