from tix.main import run

run()
