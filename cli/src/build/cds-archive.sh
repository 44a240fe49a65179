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
# The launcher's class path is one jar, hoist-all.jar: hoist.jar, then the libraries in hoist.classpath's order,
# merged (see MergeJars.java: each jar on a class path costs a start ~0.5 ms). The training run also starts a
# registry server, so it has the server's libraries too; the archive is made with the launcher's class path only
# (a prefix of the server commands' path), so it holds no server library classes.
here=$(cd "$(dirname "$0")" && pwd)
read -r rel <"$t/hoist.classpath" || [ -n "$rel" ]   # (the files have no final newline)
jars=("$t/hoist.jar")
IFS=: read -r -a libs <<<"$rel"
for l in "${libs[@]}"; do jars+=("$t/$l"); done
rm -f "$t/hoist.jsa" "$t/hoist.classlist" "$t/hoist-all.jar"
"$java" "$here/MergeJars.java" "$t/hoist-all.jar" "${jars[@]}" >"$t/merge-jars.log" 2>&1 || { cat "$t/merge-jars.log" >&2; exit 1; }
cp="$t/hoist-all.jar"
read -r rel <"$t/server.classpath" || [ -n "$rel" ]
server="$t/${rel//:/:$t/}"
"$java" -XX:DumpLoadedClassList="$t/hoist.classlist" -cp "$cp:$server" dev.hoist.cli.Training "$t/training-root" \
  >"$t/cds-training.log" 2>&1 || { cat "$t/cds-training.log" >&2; exit 1; }
# Every class of hoist's own goes into the archive, not only those the training run happened to load: a class that
# comes from the jar opens it, and reading its 5,000 entries with the interpreter costs a command ~9 ms of its start
# (a cached build, for one, loads DanglingImage only when the store holds a dangling image). They go before the
# lambda-form lines; the dump leaves out, with a note in its log, the server's classes, whose libraries it lacks.
jar=${java%java}jar
if ! "$jar" --version >/dev/null 2>&1; then jar=jar; fi
"$jar" tf "$cp" | sed -n 's|^\(dev/hoist/.*\)\.class$|\1|p' | sort -u >"$t/hoist.own-classes"
awk -v own="$t/hoist.own-classes" '
  FNR == NR { listed[$0] = 1; next }
  !added && /^@/ { while ((getline c < own) > 0) if (!(c in listed)) print c; added = 1 }
  { print }
  END { if (!added) while ((getline c < own) > 0) if (!(c in listed)) print c }
' "$t/hoist.classlist" "$t/hoist.classlist" >"$t/hoist.classlist.all"
mv "$t/hoist.classlist.all" "$t/hoist.classlist"
"$java" -Xshare:dump -XX:SharedClassListFile="$t/hoist.classlist" -XX:SharedArchiveFile="$t/hoist.jsa" \
  -cp "$cp" >"$t/cds-dump.log" 2>&1 || { cat "$t/cds-dump.log" >&2; exit 1; }
