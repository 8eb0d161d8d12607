import type { Hub } from './app'

export interface Seeded { logins: { role: string; name: string; password: string; village?: string; enrollCode?: string }[] }

/** Seeds the demo township on first run (filled in with provisioning). */
export async function seedDemo(_hub: Hub): Promise<Seeded> {
  return { logins: [] }
}

export function printLogins(address: string, adminUser: string, adminPassword: string, _seeded: Seeded): void {
  console.log(`Yishi hub: ${address}\nAdmin login: ${adminUser} / ${adminPassword}`)
}
