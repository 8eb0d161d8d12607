import type { App } from 'vue'
// Explicit, per-component imports keep the first screen small.
import { Button, Cell, CellGroup, Icon, NavBar, Tag } from 'vant'
import 'vant/es/button/style/index.mjs'
import 'vant/es/cell/style/index.mjs'
import 'vant/es/cell-group/style/index.mjs'
import 'vant/es/icon/style/index.mjs'
import 'vant/es/nav-bar/style/index.mjs'
import 'vant/es/tag/style/index.mjs'

export function installVant(app: App): void {
  for (const component of [Button, Cell, CellGroup, Icon, NavBar, Tag]) app.use(component)
}
