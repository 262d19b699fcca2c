#!/usr/bin/env python3
"""Renders every template of the role fixtures with ansible-core itself, for tests/jinja2_ansible.rs.

Usage: render_roles.py ROLES_DIR OUT_DIR

Each role under ROLES_DIR (templates/*.j2, defaults/main.yml, vars/main.yml) is copied into a
scratch folder with a task that runs Ansible's `template` module on each of its templates, and
one `ansible-playbook` run on localhost (connection local, no facts, no network) writes
OUT_DIR/ROLE/TEMPLATE (the template's name without `.j2`). Ansible layers the role's defaults and
vars itself; nothing here renders anything.
"""
import os
import shutil
import subprocess
import sys
import tempfile


def main() -> int:
    roles_dir, out_dir = (os.path.abspath(arg) for arg in sys.argv[1:3])
    with tempfile.TemporaryDirectory() as scratch:
        roles = []
        for role in sorted(os.listdir(roles_dir)):
            source = os.path.join(roles_dir, role)
            if not os.path.isdir(os.path.join(source, "templates")):
                continue
            target = os.path.join(scratch, "roles", role)
            shutil.copytree(source, target)
            os.makedirs(os.path.join(target, "tasks"), exist_ok=True)
            os.makedirs(os.path.join(out_dir, role), exist_ok=True)
            templates = sorted(
                name for name in os.listdir(os.path.join(source, "templates")) if name.endswith(".j2")
            )
            with open(os.path.join(target, "tasks", "main.yml"), "w") as tasks:
                for name in templates:
                    dest = os.path.join(out_dir, role, name[: -len(".j2")])
                    tasks.write(f"- ansible.builtin.template:\n    src: {name}\n    dest: {dest!r}\n")
            roles.append(role)
        playbook = os.path.join(scratch, "play.yml")
        with open(playbook, "w") as play:
            play.write("- hosts: localhost\n  gather_facts: false\n  roles:\n")
            for role in roles:
                play.write(f"    - {role}\n")
        env = dict(
            os.environ,
            HOME=scratch,
            ANSIBLE_LOCAL_TEMP=os.path.join(scratch, "tmp"),
            ANSIBLE_REMOTE_TEMP=os.path.join(scratch, "tmp"),
            ANSIBLE_NOCOLOR="1",
            ANSIBLE_RETRY_FILES_ENABLED="0",
            ANSIBLE_ROLES_PATH=os.path.join(scratch, "roles"),
        )
        inventory = f"localhost ansible_connection=local ansible_python_interpreter={sys.executable}\n"
        with open(os.path.join(scratch, "hosts"), "w") as hosts:
            hosts.write(inventory)
        run = subprocess.run(
            [sys.executable, "-m", "ansible", "playbook", "-i", os.path.join(scratch, "hosts"), playbook],
            env=env,
            capture_output=True,
            text=True,
        )
        if run.returncode != 0:
            sys.stderr.write(run.stdout + run.stderr)
            return run.returncode
    return 0


if __name__ == "__main__":
    sys.exit(main())
