# Starts moto's DynamoDB-API server for the tests: in memory, on 127.0.0.1 and a port the
# kernel picks. Prints one JSON line, {"moto":"listening","port":N}, once it accepts
# connections; that line is how EmulatorProcess learns the port. Exits when its stdin
# closes: the test process holds the other end, so even a test run that crashes takes its
# moto with it. The twin of dynalite_launcher.js.
import json
import sys

try:
    from moto.server import ThreadedMotoServer
except ImportError as error:
    sys.stderr.write(f"moto is not installed (run scripts/setup.sh): {error}\n")
    sys.exit(1)

server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
server.start()
_, port = server.get_host_and_port()
print(json.dumps({"moto": "listening", "port": port}), flush=True)
sys.stdin.read()  # until the test process closes the pipe, or dies
server.stop()
