export async function runPeers(): Promise<string> { throw new Error("--peers: not built yet"); }
