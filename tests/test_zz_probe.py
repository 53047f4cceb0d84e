import sys, time
sys.path.insert(0, "tests")
from test_archive import *  # noqa
from appeal_helpers import RELEASED

def test_probe(people, session):
    t = time.time()
    files = export_files(session, cycle_of(session), SHANGHAI, now=RELEASED)
    print("export seconds", time.time() - t, len(files), sum(len(v) for v in files.values()))
    out = Path("/tmp/probe"); import shutil; shutil.rmtree(out, ignore_errors=True)
    for p, d in files.items():
        (out / p).parent.mkdir(parents=True, exist_ok=True); (out / p).write_bytes(d)
