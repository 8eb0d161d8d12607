export default {
  'zh-CN': {
    access: {
      readAloud: '读给我听',
      stop: '停止朗读',
      noVoice: '本平板没有中文语音',
      largeText: '大字',
      back: '返回',
      normalText: '正常字号',
    },
  },
  en: {
    access: {
      readAloud: 'Read aloud',
      stop: 'Stop reading',
      noVoice: 'this tablet has no voice',
      largeText: 'Large text',
      back: 'Back',
      normalText: 'Normal text',
    },
  },
}
