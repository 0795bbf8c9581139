// Runs before `npm install`. npm running under Node < 22 silently skips Hardhat's
// simulator (an optional dependency with `engines: node >= 22`), and the failure
// only shows later as HHE27. Stop here instead, with the way out.
const [major, minor] = process.versions.node.split(".").map(Number);
if (major < 22 || (major === 22 && minor < 13)) {
  console.error(
    `zkpow: npm is running under Node.js ${process.versions.node}; installing needs Node.js >= 22.13.\n` +
      "Run `bash scripts/install.sh` instead: it fetches Node.js 22 from the npm registry and installs with it.",
  );
  process.exit(1);
}
