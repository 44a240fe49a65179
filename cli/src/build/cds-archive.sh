#!/usr/bin/env bash
# Makes the class-data-sharing archive that ../../../hoist starts from, in the cli's target directory TARGET:
# a training run (dev.hoist.cli.Training) records the classes the everyday commands load, and a static dump
# maps them, with the JDK's own, into one archive (TARGET/hoist.jsa). A static archive, not a dynamic one
# layered on the JDK's: it maps faster, holds the archived module graph and heap objects, and does not break
# when the JDK's default archive is regenerated.
#   usage: cds-archive.sh TARGET   (JAVA: the java to use, default java; the launcher must run the same one)
set -euo pipefail
t=$1
java=${JAVA:-java}
# The launcher's class path, built the same way: hoist.jar, then the libraries in hoist.classpath's order. The
# training run also starts a registry server, so it has the server's libraries too; the archive is made with the
# launcher's class path only (a prefix of the server commands' path), so it holds no server library classes.
read -r rel <"$t/hoist.classpath" || [ -n "$rel" ]   # (the files have no final newline)
cp="$t/hoist.jar:$t/${rel//:/:$t/}"
read -r rel <"$t/server.classpath" || [ -n "$rel" ]
server="$t/${rel//:/:$t/}"
rm -f "$t/hoist.jsa" "$t/hoist.classlist"
"$java" -XX:DumpLoadedClassList="$t/hoist.classlist" -cp "$cp:$server" dev.hoist.cli.Training "$t/training-root" \
  >"$t/cds-training.log" 2>&1 || { cat "$t/cds-training.log" >&2; exit 1; }
"$java" -Xshare:dump -XX:SharedClassListFile="$t/hoist.classlist" -XX:SharedArchiveFile="$t/hoist.jsa" \
  -cp "$cp" >"$t/cds-dump.log" 2>&1 || { cat "$t/cds-dump.log" >&2; exit 1; }
