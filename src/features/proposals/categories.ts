import { categoryOf, type ProposalCategory } from '@/domain'

/**
 * The icon shown beside each category's word. "Other" is a plain tag ('label-o'): the three dots
 * ('more-o') read as a "more" menu on ballots, vote chips and vote cards.
 */
export const CATEGORY_ICONS: Record<ProposalCategory, string> = {
  lighting: 'bulb-o', road: 'guide-o', water: 'umbrella-circle', sanitation: 'delete-o', elderly: 'friends-o',
  culture: 'music-o', greening: 'flower-o', safety: 'shield-o', other: 'label-o',
}

/** Icon of a category; an unknown one (from a newer tablet) shows as "other". */
export const categoryIcon = (category: string) => CATEGORY_ICONS[categoryOf({ category })]
export const categoryKey = (category: string): ProposalCategory => categoryOf({ category })
