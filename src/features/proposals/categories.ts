import type { Category } from '@/stores/proposals'

/** The icon shown beside each category's word. */
export const CATEGORY_ICONS: Record<Category, string> = {
  lighting: 'bulb-o', road: 'guide-o', water: 'umbrella-circle', sanitation: 'delete-o', elderly: 'friends-o',
  culture: 'music-o', greening: 'flower-o', safety: 'shield-o', other: 'more-o',
}

/** Icon of a category; an unknown one (from a newer tablet) shows as "other". */
export const categoryIcon = (c: string) => CATEGORY_ICONS[c as Category] ?? CATEGORY_ICONS.other
export const categoryKey = (c: string) => (c in CATEGORY_ICONS ? c : 'other')

export const yuan = (fen: number) => (fen / 100).toLocaleString('zh-CN', { maximumFractionDigits: 2 })
