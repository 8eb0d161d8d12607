import { fileURLToPath, URL } from 'node:url'
import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'

export default defineConfig({
  plugins: [vue()],
  resolve: { alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) } },
  server: { proxy: { '/couch': 'http://127.0.0.1:8080', '/hub': 'http://127.0.0.1:8080' } },
  build: { target: 'es2022', sourcemap: false },
})
