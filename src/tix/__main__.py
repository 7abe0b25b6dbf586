from tix.cli.main import run

run()
