"""What systemd-nspawn is handed beyond mounts: extraFlags and allowedDevices, neither
naming host paths nor giving the container power over the host.

extraFlags is an allowlist: a flag nixedge does not know could mount, share or grant anything, and the
path policy (`components.model.paths`) must see every host path a container gets. The
flags that nixpkgs' nixos-containers.nix sets itself are refused earlier, by the
`NspawnFlag` type.
"""

from __future__ import annotations

import re

from components.model import paths
from components.model.checks.report import Report
from components.model.site import Container

# Options that change only the container itself (systemd-nspawn(1)).
SAFE = frozenset(
    {
        "drop-capability",
        "ambient-capability",
        "no-new-privileges",
        "read-only",
        "rlimit",
        "oom-score-adjust",
        "cpu-affinity",
        "personality",
        "hostname",
        "timezone",
        "resolv-conf",
        "kill-signal",
        "setenv",
        "chdir",
        "user",
        "console",
        "suppress-sync",
        "volatile",
        "uuid",
        "settings",
        "register",
        "quiet",
        "pivot-root",
    }
)
# Options that take a mount point inside the container: checked as one.
TARGETS = frozenset({"tmpfs", "inaccessible"})
MOUNTS = "mounts host paths past the path rules of bindMounts"
HOST_FILE = "reads or writes a file of the host that the path rules do not see"
NETWORK = "hands the container a network interface of the host; nixedge gives each container its own veth"
REFUSED = {
    "bind": (MOUNTS, "use bindMounts, which checks the host path"),
    "bind-ro": (MOUNTS, "use bindMounts, which checks the host path"),
    "overlay": (MOUNTS, "use bindMounts, which checks the host path"),
    "overlay-ro": (MOUNTS, "use bindMounts, which checks the host path"),
    "bind-user": ("mounts a host user's home directory and gives the container that account", None),
    "bind-user-shell": ("belongs to --bind-user, which mounts a host user's home directory", None),
    "image": (HOST_FILE, None),
    "template": (HOST_FILE, None),
    "oci-bundle": (HOST_FILE, None),
    "verity-data": (HOST_FILE, None),
    "root-hash-sig": (HOST_FILE, None),
    "load-credential": (HOST_FILE, "declare it under secrets and list it in the container's secrets"),
    "forward-journal": (HOST_FILE, None),
    "set-credential": ("puts the credential in the Nix store, readable by every user of the host",
                       "declare it under secrets and list it in the container's secrets"),
    "private-users-ownership": ("changes the owner of the container's files on the host", None),
    "private-users-delegate": ("hands the container further user id ranges of the host", None),
    "network-interface": (NETWORK, None),
    "network-macvlan": (NETWORK, None),
    "network-ipvlan": (NETWORK, None),
    "network-veth-extra": (NETWORK, None),
    "network-zone": (NETWORK, None),
    "property": ("sets a property of the container's unit on the host (e.g. DeviceAllow, BindPaths)", None),
    "slice": ("moves the container into another slice of the host", None),
    "boot": ("runs the image's own init; nixos-containers.nix starts the container's NixOS itself", None),
}  # fmt: skip


def _problem(flag: str) -> tuple[str, str | None] | None:
    """(why the flag is refused, a hint) or None."""
    name, _, value = flag[2:].partition("=")
    if name in REFUSED:
        return REFUSED[name]
    if name in TARGETS:
        target = value.split(":", 1)[0]
        problem = paths.target_problem(target)
        return None if problem is None else (f"{target} {problem}", None)
    if name == "link-journal" and value in ("host", "try-host"):
        return ("writes the container's journal into the host's /var/log/journal", "use --link-journal=no")
    if name == "system-call-filter" and not value.startswith("~"):
        return ("adds system calls to what the container may use", "deny calls with '~', e.g. '~@clock'")
    if name not in SAFE and name not in TARGETS and name not in ("link-journal", "system-call-filter"):
        return (
            f"--{name} is not a systemd-nspawn option nixedge knows to change only the container",
            "use the container's own keys (bindMounts, allowedDevices, additionalCapabilities, ...)",
        )
    return None


def extra_flags(report: Report, loc: str, c: Container) -> None:
    for i, flag in enumerate(c.extra_flags):
        found = _problem(flag)
        if found is not None:
            message, hint = found
            report.error(f"{loc}.extraFlags[{i}]", message, flag, hint=hint)


# Device nodes a container may have: an allowlist, since every other node of /dev is the
# host's own hardware or kernel. Names from the kernel's Documentation/admin-guide/devices.txt
# and udev's rules (50-udev-default.rules); a `*` stands for the rest of one name.
ALLOWED_DEVICES = (
    "/dev/net/tun",  # TUN/TAP: a VPN's own interface inside the container
    "/dev/fuse",  # FUSE: file systems of the container's own processes
    "/dev/kvm",  # KVM: virtual machines run by the container
    "/dev/vhost-net",  # vhost for those machines' network
    "/dev/dri/card*",  # GPUs (DRM), e.g. for transcoding
    "/dev/dri/renderD*",
    "/dev/ttyUSB*",  # USB serial adapters (dialout), e.g. a Zigbee stick
    "/dev/ttyACM*",
    "/dev/serial/by-id/*",  # udev's stable names of the same adapters
    "/dev/video*",  # V4L2 cameras and encoders
    "/dev/snd/*",  # ALSA sound
    "/dev/bus/usb/*/*",  # one USB device, e.g. an SDR
    "/dev/null",  # what nspawn gives every container anyway
    "/dev/zero",
    "/dev/full",
    "/dev/random",
    "/dev/urandom",
)
# Families refused with what they are, beyond "not allowed": each is the host itself.
INPUT = "is an input device or console of the host: through it a container types into the host's sessions"
_HOST = "is the host's memory, kernel log or a disk; a container with it controls the host"
HOST_DEVICES = (
    (re.compile(r"/dev/(mem|kmem|port|kmsg)"), _HOST),
    (re.compile(r"/dev/(mapper|disk)(/.*)?"), _HOST),
    (re.compile(r"/dev/(sd|hd|vd|xvd|nvme|mmcblk|loop|dm-|md|sr|nbd|zd)[^/]*"), _HOST),
    # sg(4): SCSI generic, raw commands to a disk of the host (firmware, wipes).
    (re.compile(r"/dev/(sg[0-9]+|bsg/.*)"), "is a SCSI device of the host taking raw commands; it can rewrite a disk"),
    # msr(4), cpuid(4): writes to a CPU's model-specific registers change the kernel's CPU.
    (re.compile(r"/dev/cpu(/.*)?"), "is a CPU of the host (msr, cpuid, microcode); writing it changes its kernel"),
    # The watchdog driver API: a process that opens it and stops writing reboots the host.
    (re.compile(r"/dev/watchdog[0-9]*"), "is the host's watchdog: a container holding it can reboot the host"),
    # uinput(4), evdev, the virtual consoles: a keyboard in the host's sessions, or their screens.
    (re.compile(r"/dev/(uinput|input(/.*)?|tty[0-9]*|console|vcsa?[0-9]*)"), INPUT),
    # zram: compressed RAM disks, often the host's swap.
    (re.compile(r"/dev/zram[0-9]*"), "is a RAM disk of the host, often its swap; a container with it controls it"),
)


def _device_problem(node: str) -> str | None:
    problem = paths.syntax_problem(node)
    if problem is not None:
        return problem
    real = paths.resolve(node)
    if not real.startswith("/dev/"):
        return "must be a device node under /dev, e.g. /dev/net/tun" + paths.via(node)
    for family, what in HOST_DEVICES:
        if family.fullmatch(real):
            return what
    if not any(re.fullmatch(re.escape(allowed).replace(r"\*", "[^/]+"), real) for allowed in ALLOWED_DEVICES):
        return "is not a device nixedge lets a container have; allowed: " + ", ".join(ALLOWED_DEVICES)
    return None


def devices(report: Report, loc: str, c: Container) -> None:
    for i, d in enumerate(c.allowed_devices):
        problem = _device_problem(d.node)
        if problem is not None:
            hint = "bind-mount a file system the host mounts instead" if "disk" in problem else None
            report.error(f"{loc}.allowedDevices[{i}].node", problem, d.node, hint=hint)
