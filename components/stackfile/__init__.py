"""The stack-file room: every read of a stack file and of the module files it names.

The YAML is read as the Pulumi engine reads it (stack_yaml.py, yaml_scalars.py, and the
engine's second pass in engine_pass.py), or refused with the key named; the data then
goes to the pure model. agree.py compares the engine's own reading with this one at
every `preview`, `up` and `diff`.
"""

from components.stackfile.load import hosts_from_engine, hosts_in_project, load_hosts, load_stack, site_in_project
from components.stackfile.read import StackFile, read_stack, read_stack_bytes, read_stack_file, stack_path

__all__ = [
    "StackFile",
    "hosts_from_engine",
    "hosts_in_project",
    "load_hosts",
    "load_stack",
    "read_stack",
    "read_stack_bytes",
    "read_stack_file",
    "site_in_project",
    "stack_path",
]
