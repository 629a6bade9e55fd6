// The size of a regular file, or undefined when there is none (a download's partial file, an installed library).
import { promises as fsp } from 'node:fs';

export async function fileSize(file: string): Promise<number | undefined> {
  try {
    const st = await fsp.stat(file);
    return st.isFile() ? st.size : undefined;
  } catch {
    return undefined;
  }
}
