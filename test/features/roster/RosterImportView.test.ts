import { describe, expect, it } from 'vitest'
import RosterImportView from '@/features/roster/RosterImportView.vue'
import RosterView from '@/features/roster/RosterView.vue'
import { writeXlsx } from '@/shared/table/xlsx'
import { useRosterStore } from '@/stores/roster'
import { mountFeature, flushPromises } from '../support/mount'
import { eventually, openTestVillage } from '../support/village'
import { afterEach } from 'vitest'

let village: Awaited<ReturnType<typeof openTestVillage>> | undefined
afterEach(async () => { await village?.close(); village = undefined })
async function open() { village = await openTestVillage(); return village }

async function pickFile(wrapper: Awaited<ReturnType<typeof mountFeature>>['wrapper'], file: File) {
  const input = wrapper.get('[data-testid="roster-file"]')
  Object.defineProperty(input.element, 'files', { value: [file], configurable: true })
  await input.trigger('change')
  for (let i = 0; i < 20 && !wrapper.find('[data-testid="roster-preview"]').exists() && !wrapper.find('[role="alert"]').exists(); i++) {
    await new Promise((r) => setTimeout(r, 10))
    await flushPromises()
  }
}

describe('roster import screen', () => {
  it('previews an xlsx sheet, marks the bad rows with reasons and imports only the good ones', async () => {
    const { pinia } = await open()
    const { wrapper } = await mountFeature(RosterImportView, { pinia })
    const bytes = writeXlsx([
      ['户号', '姓名', '院落/小组', '角色', '投票权'],
      ['1', '张三', '一组', '议事会成员', '是'],
      ['1', '', '一组', '', ''],
      ['2', '李四', '二组', '村霸', ''],
      ['3', '王五', '二组', '', '否'],
      ['4 号', '赵六', '二组', '', ''],
    ])
    await pickFile(wrapper, new File([bytes as BlobPart], '名册.xlsx'))
    expect(wrapper.get('[data-testid="roster-preview-summary"]').text()).toBe('共 5 行：2 行正确，3 行有错误')
    const errors = wrapper.findAll('[data-testid="roster-row-errors"]').map((e) => e.text())
    // the domain's refusal of a row in words, never its English
    expect(errors).toEqual(['没有姓名', '不认识的角色“村霸”', '不符合规则：“户号”的格式不对，请重新填写'])
    // The roles as they will be recorded, to check before importing (they decide who is expected at meetings).
    expect(wrapper.findAll('[data-testid="roster-preview-roles"]').map((c) => c.text())).toEqual(['议事会成员', '', '', '—', ''])
    const confirm = wrapper.get('[data-testid="roster-import-confirm"]')
    expect(confirm.text()).toContain('导入 2 行正确的')
    await confirm.trigger('click')
    await eventually(() => wrapper.find('[data-testid="roster-import-done"]').exists())
    expect(wrapper.get('[data-testid="roster-import-done"]').text()).toContain('新增 2 人')
    const roster = useRosterStore(pinia)
    await eventually(() => roster.people.length === 2)
    // Stored through the repositories: the rows are records in the village database.
    expect((await village!.data.persons.list()).map((p) => p.name).sort()).toEqual(['张三', '王五'])
    expect(roster.people.map((p) => [p.name, p.eligible, p.roles, p.unit])).toEqual([['张三', true, ['council-member'], '一组'], ['王五', false, [], '二组']])
  })

  it('says in Chinese what to do with a file it cannot read, not the reader\'s English reason', async () => {
    const { wrapper } = await mountFeature(RosterImportView, {})
    await pickFile(wrapper, new File([new Uint8Array([0x50, 0x4b, 1, 2, 3, 4]) as BlobPart], '名册.xlsx'))
    expect(wrapper.get('[data-testid="roster-read-error"]').text()).toBe('无法读取这个文件：请确认它是 Excel（.xlsx）或 CSV 表格；可以在 Excel 或 WPS 里另存一份再试。')
  })

  it('names the missing columns of a CSV in English', async () => {
    const { wrapper } = await mountFeature(RosterImportView, { locale: 'en' })
    await pickFile(wrapper, new File(['name,roles\nWang,clerk\n'], 'people.csv', { type: 'text/csv' }))
    expect(wrapper.get('[data-testid="roster-missing-columns"]').text()).toBe('The sheet lacks these columns: Household no., Courtyard / group')
    expect(wrapper.find('[data-testid="roster-import-confirm"]').exists()).toBe(false)
  })
})

describe('roster screen', () => {
  it('groups people by household with their roles and whether they can vote', async () => {
    const { pinia } = await open()
    const { wrapper } = await mountFeature(RosterView, { path: '/roster', pinia })
    const roster = useRosterStore(pinia)
    await roster.importRows([
      { household: '2', name: '李四', unit: '二组', roles: [], adult: true, eligible: false, householdHead: false },
      { household: '1', name: '张三', unit: '一组', roles: ['supervisor'], adult: true, eligible: true, householdHead: true },
    ])
    await eventually(() => wrapper.findAll('[data-testid="roster-person"]').length === 2)
    expect(wrapper.get('[data-testid="roster-summary"]').text()).toContain('2 人 · 2 户 · 1 人有投票权')
    const people = wrapper.findAll('[data-testid="roster-person"]').map((p) => p.findAll('span').map((s) => s.text()))
    expect(people[0]).toEqual(expect.arrayContaining(['张三', '一组', '监事', '户代表', '有投票权']))
    expect(people[1]).toEqual(expect.arrayContaining(['李四', '二组', '无投票权']))
    expect(people[1]).not.toContain('有投票权')
  })
})

describe('households in words', () => {
  it('calls a household by its roster number, or by its head where the roster holds a code', async () => {
    const { pinia, data } = await open()
    const { wrapper } = await mountFeature(RosterView, { path: '/roster', pinia })
    const roster = useRosterStore(pinia)
    await roster.importRows([{ household: '1', name: '张三', unit: '一组', roles: [], adult: true, eligible: true, householdHead: true }])
    // a household made by a program (the hub's demo seed, another system's export): a code, not a number anyone says
    await data.persons.create({ name: '钱多多', householdId: 'household:qingbo-4', householdHead: false })
    await data.persons.create({ name: '赵玉兰', householdId: 'household:qingbo-4', householdHead: true })
    await eventually(() => wrapper.findAll('[data-testid="roster-household"]').length === 2)
    const titles = wrapper.findAll('.roster-household-title').map((h) => h.text())
    expect(titles).toContain('第 1 户')
    expect(titles).toContain('赵玉兰家')
    expect(wrapper.text()).not.toContain('qingbo')
  })
})

describe('the person form', () => {
  it('refuses a name too long with words beside it, naming the field and the limit, in Chinese', async () => {
    const { pinia } = await open()
    const { wrapper } = await mountFeature(RosterView, { path: '/roster', pinia })
    await wrapper.get('[data-testid="roster-add"]').trigger('click')
    await eventually(() => document.querySelector('[data-testid="person-form"]') !== null)
    const input = (id: string) => document.querySelector(`[data-testid="${id}"] input`) as HTMLInputElement
    for (const [id, value] of [['person-name', '张'.repeat(150)], ['person-household', '1'], ['person-unit', '一组']] as const) {
      input(id).value = value
      input(id).dispatchEvent(new Event('input'))
    }
    document.querySelector('[data-testid="person-form"]')!.dispatchEvent(new Event('submit'))
    await eventually(() => document.querySelector('.person-refused') !== null)
    expect(document.querySelector('.person-refused')!.textContent).toBe('不符合规则：“姓名”最多 100 个字，现在有 150 个')
    // what was typed stays
    expect(input('person-name').value).toHaveLength(150)
    wrapper.unmount()
  })
})

describe('units of the roster', () => {
  it('lists the courtyards and groups the import created and lets the clerk say what kind each is', async () => {
    const { pinia } = await open()
    const { wrapper } = await mountFeature(RosterView, { path: '/roster', pinia, locale: 'en' })
    const roster = useRosterStore(pinia)
    await roster.importRows([{ household: '1', name: 'Wang', unit: 'East court', roles: [], adult: true, eligible: true, householdHead: true }])
    await eventually(() => wrapper.findAll('[data-testid="roster-unit"]').length === 1)
    const unit = wrapper.get('[data-testid="roster-unit"]')
    expect(unit.text()).toContain('East court 1 person')
    expect(unit.get('[data-testid="unit-kind-courtyard"]').attributes('aria-checked')).toBe('true')
    await unit.get('[data-testid="unit-kind-compound"]').trigger('click')
    await eventually(() => roster.units[0]?.kind === 'compound')
    expect((await village!.data.units.list())[0]!.kind).toBe('compound')
  })
})
