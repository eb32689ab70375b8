# Helpers for the known-wrong implementations (test/wrong/NN-name/*.sh). Each script
# takes a copy of a generated chapter (npm run chapter -- N) as $1 and plants one bug.
# An edit whose text is not found exactly once fails loudly: the code moved on, and the
# script's anchor needs updating (keep anchors to one distinctive line).

# replace FILE OLD NEW: OLD (a fixed string) must occur exactly once in FILE
replace() {
  node -e '
    const fs = require("fs");
    const [file, from, to] = process.argv.slice(1);
    const text = fs.readFileSync(file, "utf8");
    const n = text.split(from).length - 1;
    if (n !== 1) {
      console.error(`wrong: ${file}: expected the text once, found it ${n} times: ${from}`);
      process.exit(3);
    }
    fs.writeFileSync(file, text.replace(from, () => to));
  ' "$@"
}

[ -d "${1:-}/src" ] || { echo "usage: $0 CHAPTER_COPY_DIR (with src/)" >&2; exit 2; }
