import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(import.meta.url);

interface PackageJson {
  name?: string;
  version?: string;
}

/**
 * A dependency's folder. Resolved through its entry point and up to its
 * package.json, because snarkjs's `exports` map hides `snarkjs/package.json`
 * and its templates from require.resolve.
 */
export function packageDir(name: string): string {
  let dir = path.dirname(require.resolve(name));
  for (;;) {
    const manifest = path.join(dir, "package.json");
    try {
      if ((JSON.parse(readFileSync(manifest, "utf8")) as PackageJson).name === name) return dir;
    } catch (error) {
      // Folders without a package.json are expected on the way up; anything else is not.
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`cannot find the package.json of ${name} above ${require.resolve(name)}`);
    dir = parent;
  }
}

export function packageVersion(name: string): string {
  const manifest = JSON.parse(readFileSync(path.join(packageDir(name), "package.json"), "utf8")) as PackageJson;
  if (manifest.version === undefined) throw new Error(`${name}'s package.json has no version`);
  return manifest.version;
}
