"""A real `cupsd` of its own, for the tests and the benchmark: its own configuration directory, spool and
socket, and PDF queues (cups-pdf) whose output directory the caller reads back.

    with CupsdProcess() as cupsd:
        out = cupsd.add_pdf_queue("KIOSK-A4")     # the directory where printed jobs land as PDFs
        cupsd.fault("KIOSK-A4", "media-empty")    # the next jobs wait, as on a printer out of paper

The queues use a small backend of ours, `hallfault`, in front of cups-pdf: it reports the fault written
for its queue (`STATE: +media-empty-error`, as CUPS' usb and ipp backends do) and waits until it is
cleared, then hands the job to cups-pdf. The rest is Debian's CUPS: scheduler, filters, cups-pdf.

`PRIVACY_DIRECTIVES` is what a kiosk's own cupsd.conf needs (docs/devices-a4printer.md); this server
runs with it. Needs root (cups-pdf refuses to run otherwise), `cups` and `printer-driver-cups-pdf`.
cups-pdf reads its per-queue settings from /etc/cups/cups-pdf-NAME.conf only: one such file is written
per queue, named after this server's directory, and removed at cleanup.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from queue_broker.processes import stop_process

CUPS_PDF_BACKEND = Path("/usr/lib/cups/backend/cups-pdf")
CUPS_PDF_PPD = "lsb/usr/cups-pdf/CUPS-PDF_opt.ppd"
SERVER_BIN = Path("/usr/lib/cups")
CUPS_PDF_CONF_DIR = Path("/etc/cups")

# Privacy of a kiosk's printing system: no document is kept once printed, a job's record (its opaque
# title, user, state and sheet count: nothing of the citizen) only for five minutes, so that a retry can
# still see how the job ended; no page log; a failed job is aborted, never kept for later.
PRIVACY_DIRECTIVES = """\
PreserveJobFiles No
PreserveJobHistory 300
MaxJobs 20
MaxJobTime 600
ErrorPolicy abort-job
PageLogFormat ""
LogLevel warn
"""

FAULTS = ("media-empty", "offline", "media-jam", "fail")

BACKEND_SCRIPT = """\
#!/bin/sh
# hallfault: cups-pdf with the faults a test writes in {faults}/QUEUE (one word: {fault_words}).
if [ $# -eq 0 ]; then
    echo 'direct hallfault "Unknown" "Hall test PDF printer with faults"'
    exit 0
fi
name=${{DEVICE_URI#hallfault:/}}
file="{faults}/$name"
while [ -s "$file" ]; do
    case "$(cat "$file")" in
        media-empty) echo "STATE: +media-empty-error" >&2; echo "INFO: Out of paper" >&2 ;;
        offline) echo "STATE: +offline-report" >&2; echo "INFO: Waiting for printer to become available" >&2 ;;
        media-jam) echo "STATE: +media-jam-error" >&2; echo "INFO: Paper jam" >&2 ;;
        fail) echo "ERROR: The printer failed" >&2; exit 1 ;;
    esac
    sleep 0.1
done
echo "STATE: -media-empty-error,offline-report,media-jam-error" >&2
DEVICE_URI="cups-pdf:/$name"
export DEVICE_URI
exec {cups_pdf} "$@"
"""


def available() -> str | None:
    """None when this machine can run it, else why not (for a test's skip reason)."""
    if os.geteuid() != 0:
        return "a cupsd with cups-pdf needs root (cups-pdf refuses to run as another user)"
    if not shutil.which("cupsd") and not Path("/usr/sbin/cupsd").exists():
        return "cupsd is not installed (apt-get install cups)"
    if not CUPS_PDF_BACKEND.exists():
        return "cups-pdf is not installed (apt-get install printer-driver-cups-pdf)"
    return None


class CupsdProcess:
    def __init__(self, workdir: str | os.PathLike | None = None, directives: str = PRIVACY_DIRECTIVES):
        """`directives`: the privacy part of cupsd.conf (a kiosk's as provisioning writes it, in its tests)."""
        self.directives = directives
        self.binary = shutil.which("cupsd") or "/usr/sbin/cupsd"
        # the filters run as user lp: the directory must be traversable (tmp_path of pytest is 0700)
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix="hall-cupsd-"))
        self.workdir.chmod(0o711)
        self.etc = self.workdir / "etc"
        self.socket = str(self.workdir / "cups.sock")
        self.faults_dir = self.workdir / "faults"
        self.proc: subprocess.Popen | None = None
        self.queues: dict[str, Path] = {}
        self._confs: list[Path] = []

    # --- life cycle ---------------------------------------------------------------------------
    def start(self, timeout: float = 15.0) -> CupsdProcess:
        why = available()
        if why:
            raise RuntimeError(why)
        for d in ("etc/ppd", "etc/ssl", "spool/tmp", "cache", "state", "log", "faults", "out", "cups-pdf"):
            (self.workdir / d).mkdir(parents=True, exist_ok=True)
        self._server_bin()
        (self.etc / "cupsd.conf").write_text(
            f"Listen {self.socket}\nBrowsing No\nWebInterface No\nDefaultAuthType None\n"
            + self.directives
            + "<Location />\n  Order allow,deny\n  Allow all\n</Location>\n"
            "<Policy default>\n  <Limit All>\n    Order deny,allow\n  </Limit>\n</Policy>\n"
        )
        w = self.workdir
        (self.etc / "cups-files.conf").write_text(
            f"ServerRoot {self.etc}\nServerBin {w / 'bin'}\nRequestRoot {w / 'spool'}\nTempDir {w / 'spool/tmp'}\n"
            f"CacheDir {w / 'cache'}\nStateDir {w / 'state'}\nErrorLog {w / 'log/error_log'}\n"
            f"AccessLog {w / 'log/access_log'}\nPageLog {w / 'log/page_log'}\nUser lp\nGroup lp\n"
        )
        log = open(w / "log" / "cupsd.out", "ab")
        self.proc = subprocess.Popen(
            [self.binary, "-f", "-c", str(self.etc / "cupsd.conf"), "-s", str(self.etc / "cups-files.conf")],
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"cupsd exited with {self.proc.returncode}: {self.error_log()[-2000:]}")
            if self._lpstat_ok():
                return self
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"cupsd did not answer on {self.socket} within {timeout} s")

    def _server_bin(self) -> None:
        """ServerBin: Debian's filters and backends, plus `hallfault` (a 0700 root script: CUPS runs
        such backends as root, which cups-pdf requires)."""
        bin_dir = self.workdir / "bin"
        (bin_dir / "backend").mkdir(parents=True, exist_ok=True)
        for entry in SERVER_BIN.iterdir():
            if entry.name != "backend" and not (bin_dir / entry.name).exists():
                (bin_dir / entry.name).symlink_to(entry)
        for backend in (SERVER_BIN / "backend").iterdir():
            link = bin_dir / "backend" / backend.name
            if not link.exists():
                link.symlink_to(backend)
        script = bin_dir / "backend" / "hallfault"
        script.write_text(
            BACKEND_SCRIPT.format(faults=self.faults_dir, fault_words=", ".join(FAULTS), cups_pdf=CUPS_PDF_BACKEND)
        )
        script.chmod(0o700)

    def _lpstat_ok(self) -> bool:
        r = subprocess.run(["lpstat", "-h", self.socket, "-r"], capture_output=True, text=True, env=self.env())
        return r.returncode == 0 and "is running" in r.stdout

    def env(self) -> dict[str, str]:
        return {**os.environ, "CUPS_SERVER": self.socket, "LANG": "C"}

    def stop(self) -> None:
        stop_process(self.proc, 10)
        self.proc = None

    def cleanup(self) -> None:
        self.stop()
        for conf in self._confs:
            conf.unlink(missing_ok=True)
        shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> CupsdProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.cleanup()

    # --- queues and faults --------------------------------------------------------------------
    def add_pdf_queue(self, queue: str) -> Path:
        """A cups-pdf queue behind `hallfault`; returns the directory its printed PDFs land in."""
        name = f"{self.workdir.name}-{queue}".replace("_", "-")
        out = self.workdir / "out" / queue
        out.mkdir(parents=True, exist_ok=True)
        spool = self.workdir / "cups-pdf" / queue
        spool.mkdir(parents=True, exist_ok=True)
        conf = CUPS_PDF_CONF_DIR / f"cups-pdf-{name}.conf"
        # PDFVer is what cups-pdf's Ghostscript writes; Label 0 keeps the job's title as the file name
        conf.write_text(f"Out {out}\nAnonDirName {out}\nSpool {spool}\nLog {self.workdir / 'log'}\nLabel 0\n")
        self._confs.append(conf)
        self.lpadmin(
            "-p",
            queue,
            "-v",
            f"hallfault:/{name}",
            "-E",
            "-m",
            CUPS_PDF_PPD,
            # pdftocairo keeps the text of CID fonts through the PostScript cups-pdf takes (the default
            # renderers turn WenQuanYi into Type 3 glyphs without Unicode, and pdftotext reads nothing)
            "-o",
            "pdftops-renderer-default=pdftocairo",
        )
        (self.faults_dir / name).write_text("")
        self.queues[queue] = out
        return out

    def fault(self, queue: str, fault: str | None) -> None:
        """Make the queue's printer show `fault` to its jobs (None: clear it)."""
        if fault is not None and fault not in FAULTS:
            raise ValueError(f"unknown fault {fault!r}; known: {', '.join(FAULTS)}")
        name = f"{self.workdir.name}-{queue}".replace("_", "-")
        (self.faults_dir / name).write_text(fault or "")

    def lpadmin(self, *args: str) -> None:
        r = subprocess.run(["lpadmin", "-h", self.socket, *args], capture_output=True, text=True, env=self.env())
        if r.returncode != 0:
            raise RuntimeError(f"lpadmin {' '.join(args)}: {r.stderr.strip()}")

    def command(self, *argv: str) -> str:
        """Run a CUPS client command (cupsdisable, cupsreject, lpstat...) against this server."""
        r = subprocess.run([*argv[:1], "-h", self.socket, *argv[1:]], capture_output=True, text=True, env=self.env())
        if r.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)}: {r.stderr.strip()}")
        return r.stdout

    def printed(self, queue: str) -> list[Path]:
        return sorted(self.queues[queue].glob("*.pdf"), key=lambda p: p.stat().st_mtime)

    def error_log(self) -> str:
        path = self.workdir / "log" / "error_log"
        return path.read_text(errors="replace") if path.exists() else ""

    def spooled_files(self) -> list[Path]:
        """Documents (d-files) still in the spool: with PreserveJobFiles No, none once jobs end."""
        return sorted((self.workdir / "spool").glob("d*"))
