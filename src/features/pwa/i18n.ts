export default {
  'zh-CN': {
    pwa: {
      updateReady: '新版本已准备好，点“现在更新”就换成新版本',
      updateNow: '现在更新',
      updateLater: '稍后',
      updateHeld: '正在投票、开会或填写，结束后才能更新',
      installTitle: '把议事安装到这台平板上',
      installBody: '安装后，没有网络也能从桌面打开。',
      install: '安装',
      installNo: '不用了',
    },
  },
  en: {
    pwa: {
      updateReady: 'A new version is ready: tap "Update now" to switch to it',
      updateNow: 'Update now',
      updateLater: 'Later',
      updateHeld: 'A ballot, meeting or form is open: update after it is finished',
      installTitle: 'Install Yishi on this tablet',
      installBody: 'Once installed, it opens from the home screen even without a network.',
      install: 'Install',
      installNo: 'No thanks',
    },
  },
}
