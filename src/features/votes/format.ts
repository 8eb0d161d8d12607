// The one reading of yuan typed on a screen lives in the domain (src/domain/money.ts); kept here for the screens that still import it from here.
export { parseYuan } from '@/domain'
