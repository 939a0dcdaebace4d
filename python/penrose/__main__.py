"""``python -m penrose jar`` prints the jar's path (for ``--jars``); ``python -m penrose check`` the versions."""

import sys

import penrose


def main(argv):
    command = argv[0] if argv else "check"
    if command == "jar":
        print(penrose.jar_path())
    elif command == "check":
        pyspark_version, java = penrose.check_environment()
        print(f"penrose {penrose.__version__}, jar {penrose.jar_path()}, pyspark {pyspark_version}, java {java}")
    else:
        print("usage: python -m penrose [jar|check]", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
