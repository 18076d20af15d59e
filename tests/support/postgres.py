"""A throwaway PostgreSQL cluster for the test session (initdb + pg_ctl on a free port)."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path


def find_pg_bin() -> Path | None:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[4]))
    if candidates:
        return Path(candidates[-1])
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Cluster:
    bin_dir: Path
    root: Path
    port: int
    as_postgres_user: bool

    def _run(self, *args: str) -> None:
        command = [str(self.bin_dir / args[0]), *args[1:]]
        if self.as_postgres_user:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name)
        return self.url(name)

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.root / "pg"), "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


def start_cluster() -> Cluster:
    bin_dir = find_pg_bin()
    if bin_dir is None:
        raise FileNotFoundError("PostgreSQL binaries (initdb, pg_ctl) are not installed")
    root = Path(tempfile.mkdtemp(prefix="cartwheel-pg-"))
    as_postgres = os.geteuid() == 0  # initdb refuses to run as root
    (root / "pg").mkdir()
    (root / "sock").mkdir()
    if as_postgres:
        root.chmod(0o755)
        shutil.chown(root / "pg", "postgres", "postgres")
        shutil.chown(root / "sock", "postgres", "postgres")
    cluster = Cluster(bin_dir, root, free_port(), as_postgres)
    pg = str(root / "pg")
    cluster._run("initdb", "-D", pg, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync")
    options = (
        f"-k {root / 'sock'} -p {cluster.port} -c listen_addresses=127.0.0.1 "
        "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    )
    cluster._run("pg_ctl", "-D", pg, "-l", f"{pg}/server.log", "-w", "-o", options, "start")
    return cluster
