export default {
  'zh-CN': {
    home: {
      village: '本村',
      notEnrolled: '本平板尚未登记到村',
      actions: '要做的事',
      language: '语言',
    },
  },
  en: {
    home: {
      village: 'Village',
      notEnrolled: 'This tablet is not enrolled in a village yet',
      actions: 'What to do',
      language: 'Language',
    },
  },
}
