import { validateDocument } from '../src/shared/schemas/index'
import { hubSignRoles } from '../src/shared/rosterroles'
import type { Hub } from './app'

export interface DemoLogin { role: string; name: string; password: string; village?: string; enrollCode?: string }
export interface Seeded { firstRun: boolean; logins: DemoLogin[]; enroll: { village: string; name: string; code: string; clerk: string }[] }

const TOWNSHIP = { id: 'huayuan', name: '花园镇' }
const DEMO_PASSWORD = 'yishi-demo'

/** A demo proposal: title, description, estimated cost (fen), its category (DOMAIN.md's livelihood projects) and the courtyard or group it comes from. */
type DemoProposal = [title: string, description: string, cost: number, category: string, unit: string]
interface DemoVillage { id: string; name: string; units: [string, string][]; people: string[]; proposals: DemoProposal[] }

/** Who holds which role on each demo roster, by their place in `people`: five council members, a supervisor, a clerk. */
const COUNCIL = 5
const SUPERVISOR = 5
const CLERK = 6
const rolesAt = (i: number): string[] => (i < COUNCIL ? ['council-member'] : i === SUPERVISOR ? ['supervisor'] : i === CLERK ? ['clerk'] : [])

const VILLAGES: DemoVillage[] = [
  {
    id: 'qingbo', name: '清波村',
    units: [['u1', '桂花院落'], ['u2', '竹林院落'], ['u3', '河边院落']],
    people: ['王秀英', '李建国', '张桂兰', '刘德华', '陈淑芬', '杨明', '赵玉兰', '黄志强', '周桂芳', '吴海', '徐凤英', '孙长青', '胡秀珍', '朱国庆', '高翠华', '林永福', '何素琴', '郭宝山', '马春花', '罗天成'],
    proposals: [
      ['院落路灯', '桂花院落到村口的小路晚上没有灯，老人走路不方便，建议安装太阳能路灯。', 6_800_000, 'lighting', 'u1'],
      ['饮水管网改造', '河边院落自来水管老化，经常停水，建议更换主管。', 9_500_000, 'water', 'u3'],
      ['老年活动室', '把竹林院落闲置的村小教室改成老年活动室，添置桌椅和电视。', 4_200_000, 'elderly', 'u2'],
    ],
  },
  {
    id: 'mingyue', name: '明月村',
    units: [['u1', '茶园组'], ['u2', '窑山组']],
    people: ['蒋文华', '谢桂英', '韩光明', '唐玉珍', '冯大勇', '于淑华', '董建军', '萧秀兰', '程国平', '曹丽', '袁德明', '邓小琴', '许文斌', '傅玉梅', '沈国强', '曾素英', '彭志刚', '吕桂珍', '苏永康', '卢红梅'],
    proposals: [
      ['垃圾分类亭', '在茶园组和窑山组各建一个垃圾分类亭，定时清运。', 3_600_000, 'sanitation', 'u1'],
      ['河道护栏', '窑山组河边没有护栏，孩子上学经过有危险。', 5_200_000, 'safety', 'u2'],
    ],
  },
]

function envelope(village: string, kind: string, rest: string, body: Record<string, unknown>, seq: number, ref = ''): Record<string, unknown> {
  const at = Date.UTC(2026, 2, 1) + seq * 60_000
  return { _id: `${kind}:${rest}`, kind, v: 1, village, year: 2026, author: 'hub', device: 'hub', deviceTime: at, seq, ref, body }
}

/** Signs a value with the hub's key (the roles of the demo's council, supervisor and clerk: src/shared/rosterroles.ts). */
type HubSign = (value: unknown) => Promise<string>

async function villageDocs(v: DemoVillage, sign: HubSign | null): Promise<Record<string, unknown>[]> {
  let seq = 1
  const docs: Record<string, unknown>[] = [
    envelope(v.id, 'village', v.id, { townshipId: TOWNSHIP.id, name: v.name }, seq++),
    envelope(v.id, 'fund', `${v.id}-2026`, { year: 2026, amount: 20_000_000, source: '村级公共服务和社会管理专项资金' }, seq++),
  ]
  for (const [id, name] of v.units) docs.push(envelope(v.id, 'unit', `${v.id}-${id}`, { kind: 'courtyard', name }, seq++))
  for (const [i, name] of v.people.entries()) {
    const unit = v.units[i % v.units.length]![0]
    // the household number as the village writes it on its roster (户号): each village has its own database
    const household = Math.floor(i / 2)
    const roles = rolesAt(i)
    const id = `person:${v.id}-${i + 1}`
    // roles count only signed: the hub signs the demo's, as it does for the township's staff (admin/roles.ts)
    const rolesSig = roles.length > 0 && sign ? { rolesSig: await hubSignRoles(v.id, { id, roles }, Date.UTC(2026, 2, 1), 'demo-seed', sign) } : {}
    docs.push(envelope(v.id, 'person', `${v.id}-${i + 1}`, {
      name, householdId: `household:${household + 1}`, unitId: `unit:${v.id}-${unit}`,
      adult: true, eligible: true, householdHead: i % 2 === 0, roles, ...rolesSig,
    }, seq++))
  }
  v.proposals.forEach(([title, description, cost, category, unit], i) => {
    docs.push(envelope(v.id, 'proposal', `${v.id}-${i + 1}`, {
      unitId: `unit:${v.id}-${unit}`, title, description, proposedBy: `person:${v.id}-${i + 3}`,
      createdAt: Date.UTC(2026, 2, 2 + i), status: 'open', mergedInto: '', estimatedCost: cost, category, photos: [],
    }, seq++))
  })
  return docs
}

/**
 * Seeds the demo township on first run: two villages with courtyards, forty people, a
 * fund and a few proposals, a staff account, a clerk and a supervisor account per village; and, on every start,
 * fresh device enrollment codes. Demo passwords are fixed and printed: demo use only.
 */
export async function seedDemo(hub: Hub): Promise<Seeded> {
  const { accounts, engine } = hub
  const firstRun = !accounts.townships.has(TOWNSHIP.id)
  const logins: DemoLogin[] = [{ role: 'township', name: `${TOWNSHIP.id}-staff`, password: DEMO_PASSWORD }]
  if (firstRun) {
    await accounts.addTownship(TOWNSHIP.id, TOWNSHIP.name)
    await accounts.addUser({ name: `${TOWNSHIP.id}-staff`, password: DEMO_PASSWORD, role: 'township', township: TOWNSHIP.id })
  }
  const enroll: Seeded['enroll'] = []
  for (const v of VILLAGES) {
    if (firstRun) {
      await accounts.addVillage(v.id, TOWNSHIP.id, v.name)
      await accounts.addUser({ name: `${v.id}-clerk`, password: DEMO_PASSWORD, role: 'clerk', village: v.id })
      await accounts.addUser({ name: `${v.id}-supervisor`, password: DEMO_PASSWORD, role: 'supervisor', village: v.id })
      const docs = await villageDocs(v, hub.pusher.provenance ? (value) => hub.pusher.provenance!.hub.sign(value) : null)
      for (const d of docs) {
        const r = validateDocument(d)
        if (!r.ok) throw new Error(`demo document ${String(d._id)} is invalid: ${r.reason}`)
      }
      await engine.db(`village-${v.id}`).bulkDocs(docs as never)
    }
    if (accounts.villages.has(v.id)) {
      logins.push({ role: 'clerk', name: `${v.id}-clerk`, password: DEMO_PASSWORD, village: v.id })
      logins.push({ role: 'supervisor', name: `${v.id}-supervisor`, password: DEMO_PASSWORD, village: v.id })
      const e = await accounts.createEnrollment(v.id, 'demo-seed')
      enroll.push({ village: v.id, name: v.name, code: e.code, clerk: v.people[CLERK]! })
    }
  }
  return { firstRun, logins, enroll }
}

export function printLogins(address: string, adminUser: string, adminPassword: string, seeded: Seeded): void {
  const lines = [
    '',
    `  Yishi 议事 hub is running: ${address}/`,
    `  ${seeded.firstRun ? 'Seeded the demo township 花园镇 (villages 清波村 qingbo, 明月村 mingyue).' : 'Demo township 花园镇 (already seeded).'}`,
    '',
    '  Logins (demo only — change these before real use):',
    `    admin          ${adminUser} / ${adminPassword}`,
    ...seeded.logins.map((l) => `    ${l.role.padEnd(14)} ${l.name} / ${l.password}${l.village ? `   (village ${l.village})` : ''}`),
    '',
    '  Device enrollment codes (one tablet each, valid 24 h; new ones at every start):',
    ...seeded.enroll.map((e) => `    ${e.name} ${e.village.padEnd(8)} ${e.code}`),
    '',
    `  On a tablet: open the app, enroll it with a code above, pick the clerk from the roster (${seeded.enroll.map((e) => `${e.name} ${e.clerk}`).join(', ')}) and set their PIN.`,
    `  The clerk account (${seeded.enroll.map((e) => `${e.village}-clerk`).join(', ')}) is typed on a tablet once: online, on 本人口令 -> 设置文书钥匙,`,
    '  so that the hub certifies the clerk\'s key (the tablet does not keep it). Otherwise the clerk and supervisor',
    '  accounts are for the hub (enrollment codes, carried files).',
    '',
  ]
  console.log(lines.join('\n'))
}
