"""CLI sub-commands. Each module here defines ``register(subparsers)``.

The CLI discovers them with pkgutil, so adding a command means adding a module,
never editing a shared list.
"""
