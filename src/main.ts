import { createApp } from 'vue'
import App from './App.vue'
import { installPinia } from './modules/pinia'
import { installI18n } from './modules/i18n'
import { localeReady } from './i18n'
import { installRouter } from './modules/router'
import { installVant } from './modules/vant'
import { installPwa } from './modules/pwa'
import { installData } from './modules/data'
import { installErrors } from './modules/errors'
import './styles/main.css'

const app = createApp(App)
installPinia(app)
installI18n(app)
installRouter(app)
installVant(app)
installPwa(app)
installData(app)
installErrors(app)
// English, when it was the last choice, is loaded before the first screen is drawn.
void localeReady.catch(() => undefined).then(() => app.mount('#app'))
